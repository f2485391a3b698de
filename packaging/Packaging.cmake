# Installers, built with `cpack` in the build directory (README "Installing"):
#   Linux:   dynaseal-server_<v>-1_<arch>.deb and dynaseal-console_<v>-1_<arch>.deb for Debian 12,
#            and a .tar.gz of both programs;
#   Windows: an NSIS installer of the console (Qt deployed with windeployqt);
#   macOS:   a DMG holding "dynaseal-console.app" (Qt deployed with macdeployqt).
# The server is Linux-only (prctl, Unix signals, systemd). The console is packaged when its target
# exists. The version is the project's: project(Dynaseal VERSION ...) in the top-level CMakeLists.
#
# Install components: `server` (the program, docs, templates), `server_system` (the conffile in
# /etc and the systemd unit: .deb only, never part of a plain `cmake --install`) and `console`.

set(DYNASEAL_PACKAGING_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(DYNASEAL_PACKAGE_CONTACT "Dynaseal maintainers <maintainers@dynaseal.invalid>"
    CACHE STRING "Maintainer named in the packages")
set(_dynaseal_linux FALSE)
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND DYNASEAL_BUILD_SERVER)
  set(_dynaseal_linux TRUE)
endif()

# ---- the server -------------------------------------------------------------------------------
if(_dynaseal_linux)
  install(TARGETS dynaseal-server RUNTIME DESTINATION bin COMPONENT server)
  # Pristine copies: the postinst makes /etc/dynaseal/dynaseal.env from this one, and they are
  # the starting point for a tarball install.
  install(FILES "${DYNASEAL_PACKAGING_DIR}/linux/dynaseal.conf"
                "${DYNASEAL_PACKAGING_DIR}/linux/dynaseal.env"
                "${DYNASEAL_PACKAGING_DIR}/linux/dynaseal-server.service"
          DESTINATION share/dynaseal COMPONENT server)
  install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/docs/operations.md"
                "${PROJECT_SOURCE_DIR}/docs/settings.md" "${PROJECT_SOURCE_DIR}/docs/admin-api.md"
                "${PROJECT_SOURCE_DIR}/docs/dynamic-keys.md" "${PROJECT_SOURCE_DIR}/docs/callbacks.md"
          DESTINATION share/doc/dynaseal-server COMPONENT server)
  # Absolute paths: only the .deb installs this component.
  install(FILES "${DYNASEAL_PACKAGING_DIR}/linux/dynaseal.conf" DESTINATION /etc/dynaseal
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ
          COMPONENT server_system EXCLUDE_FROM_ALL)
  install(FILES "${DYNASEAL_PACKAGING_DIR}/linux/dynaseal-server.service" DESTINATION /usr/lib/systemd/system
          COMPONENT server_system EXCLUDE_FROM_ALL)
endif()

# ---- the console ------------------------------------------------------------------------------
set(_dynaseal_console FALSE)
if(TARGET dynaseal-console)
  set(_dynaseal_console TRUE)
  # Qt's tools directory, where windeployqt and macdeployqt are.
  set(_dynaseal_qt_bin "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_BINS}")

  if(WIN32)
    configure_file("${DYNASEAL_PACKAGING_DIR}/windows/dynaseal-console.rc.in"
                   "${CMAKE_BINARY_DIR}/packaging/dynaseal-console.rc" @ONLY)
    target_sources(dynaseal-console PRIVATE "${CMAKE_BINARY_DIR}/packaging/dynaseal-console.rc")
    set_target_properties(dynaseal-console PROPERTIES WIN32_EXECUTABLE TRUE)
    install(TARGETS dynaseal-console RUNTIME DESTINATION bin COMPONENT console)
    find_program(DYNASEAL_WINDEPLOYQT windeployqt HINTS "${_dynaseal_qt_bin}" REQUIRED)
    # Where the other DLLs may be: Qt's bin, each prefix's bin, OpenSSL's.
    set(_dynaseal_dll_dirs "${_dynaseal_qt_bin}")
    foreach(_prefix IN LISTS CMAKE_PREFIX_PATH)
      list(APPEND _dynaseal_dll_dirs "${_prefix}/bin")
    endforeach()
    if(OPENSSL_INCLUDE_DIR)
      get_filename_component(_dynaseal_ssl_root "${OPENSSL_INCLUDE_DIR}" DIRECTORY)
      list(APPEND _dynaseal_dll_dirs "${_dynaseal_ssl_root}/bin")
    endif()
    list(TRANSFORM _dynaseal_dll_dirs PREPEND "\"")
    list(TRANSFORM _dynaseal_dll_dirs APPEND "\"")
    list(JOIN _dynaseal_dll_dirs " " DYNASEAL_DLL_DIRS)
    configure_file("${DYNASEAL_PACKAGING_DIR}/windows/DeployConsole.cmake.in"
                   "${CMAKE_BINARY_DIR}/packaging/DeployConsole.cmake" @ONLY)
    install(SCRIPT "${CMAKE_BINARY_DIR}/packaging/DeployConsole.cmake" COMPONENT console)
    # The MSVC runtime DLLs.
    set(CMAKE_INSTALL_SYSTEM_RUNTIME_DESTINATION bin)
    set(CMAKE_INSTALL_SYSTEM_RUNTIME_COMPONENT console)
    include(InstallRequiredSystemLibraries)
  elseif(APPLE)
    set(_dynaseal_icns "${DYNASEAL_PACKAGING_DIR}/icons/dynaseal.icns")
    target_sources(dynaseal-console PRIVATE "${_dynaseal_icns}")
    set_source_files_properties("${_dynaseal_icns}" TARGET_DIRECTORY dynaseal-console
                                PROPERTIES MACOSX_PACKAGE_LOCATION Resources)
    set_target_properties(dynaseal-console PROPERTIES
      MACOSX_BUNDLE TRUE
      MACOSX_BUNDLE_INFO_PLIST "${DYNASEAL_PACKAGING_DIR}/macos/Info.plist.in"
      MACOSX_BUNDLE_BUNDLE_NAME "Dynaseal Console"
      MACOSX_BUNDLE_GUI_IDENTIFIER "dev.dynaseal.console"
      MACOSX_BUNDLE_ICON_FILE dynaseal.icns
      MACOSX_BUNDLE_SHORT_VERSION_STRING "${Dynaseal_VERSION}"
      MACOSX_BUNDLE_BUNDLE_VERSION "${Dynaseal_VERSION}"
      MACOSX_BUNDLE_COPYRIGHT "Dynaseal")
    install(TARGETS dynaseal-console BUNDLE DESTINATION . COMPONENT console)
    find_program(DYNASEAL_MACDEPLOYQT macdeployqt HINTS "${_dynaseal_qt_bin}" REQUIRED)
    set(DYNASEAL_LIBPATH_ARGS "")
    foreach(_prefix IN LISTS CMAKE_PREFIX_PATH)
      string(APPEND DYNASEAL_LIBPATH_ARGS " \"-libpath=${_prefix}/lib\"")
    endforeach()
    configure_file("${DYNASEAL_PACKAGING_DIR}/macos/DeployConsole.cmake.in"
                   "${CMAKE_BINARY_DIR}/packaging/DeployConsole.cmake" @ONLY)
    install(SCRIPT "${CMAKE_BINARY_DIR}/packaging/DeployConsole.cmake" COMPONENT console)
  else()
    install(TARGETS dynaseal-console RUNTIME DESTINATION bin COMPONENT console)
    install(FILES "${DYNASEAL_PACKAGING_DIR}/linux/dynaseal-console.desktop"
            DESTINATION share/applications COMPONENT console)
    install(FILES "${DYNASEAL_PACKAGING_DIR}/icons/dynaseal.svg"
            DESTINATION share/icons/hicolor/scalable/apps COMPONENT console)
    foreach(_size 16 24 32 48 64 128 256 512)
      install(FILES "${DYNASEAL_PACKAGING_DIR}/icons/dynaseal-${_size}.png"
              DESTINATION share/icons/hicolor/${_size}x${_size}/apps RENAME dynaseal.png COMPONENT console)
    endforeach()
  endif()
endif()

# ---- CPack ------------------------------------------------------------------------------------
set(CPACK_PACKAGE_NAME "dynaseal")
set(CPACK_PACKAGE_VENDOR "Dynaseal")
set(CPACK_PACKAGE_CONTACT "${DYNASEAL_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_VERSION "${Dynaseal_VERSION}")
# The first line of both Debian descriptions; each component adds its own paragraph.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Dynaseal LLM gateway")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "Dynaseal")
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/packages")
set(CPACK_STRIP_FILES ON)
set(CPACK_PROJECT_CONFIG_FILE "${CMAKE_BINARY_DIR}/packaging/CPackOptions.cmake")

if(_dynaseal_linux)
  set(CPACK_GENERATOR "DEB;TGZ")
elseif(WIN32)
  set(CPACK_GENERATOR "NSIS")
elseif(APPLE)
  set(CPACK_GENERATOR "DragNDrop")
endif()

# Debian: one package per component group.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from dpkg-shlibdeps (dpkg-dev); the rest is named below.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME dynaseal-server)
set(CPACK_DEBIAN_SERVER_DESCRIPTION "The server. Devices call OpenAI-compatible models with short-lived
signed dynamic keys; the gateway checks them, enforces token budgets,
forwards to the real upstream and reports usage to the tenant with signed
callbacks. Runs as the systemd service dynaseal-server under its own user;
settings in /etc/dynaseal/dynaseal.conf.")
# The SQLite driver is a Qt plugin, which dpkg-shlibdeps cannot see.
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser, libqt6sql6-sqlite")
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "libqt6sql6-psql, sqlite3")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
  "${DYNASEAL_PACKAGING_DIR}/linux/conffiles;${DYNASEAL_PACKAGING_DIR}/linux/postinst;${DYNASEAL_PACKAGING_DIR}/linux/prerm;${DYNASEAL_PACKAGING_DIR}/linux/postrm")

set(CPACK_DEBIAN_CONSOLE_PACKAGE_NAME dynaseal-console)
set(CPACK_DEBIAN_CONSOLE_DESCRIPTION "The console: a desktop program to manage a Dynaseal gateway
(upstreams, tenants and their keys, the request log, usage and callbacks).")
# Its icons are SVG, drawn by the Qt SVG plugins, which dpkg-shlibdeps cannot see.
set(CPACK_DEBIAN_CONSOLE_PACKAGE_DEPENDS "libqt6svg6")
set(CPACK_DEBIAN_CONSOLE_PACKAGE_RECOMMENDS "qt6-qpa-plugins, qt6-wayland")
# Where the keychain keeps admin tokens on a desktop without one.
set(CPACK_DEBIAN_CONSOLE_PACKAGE_SUGGESTS "gnome-keyring")

# Windows: the console alone; a stable registry key lets a new installer remove the old version.
set(CPACK_PACKAGE_INSTALL_REGISTRY_KEY "Dynaseal")
set(CPACK_PACKAGE_EXECUTABLES "dynaseal-console;Dynaseal Console")
set(CPACK_NSIS_PACKAGE_NAME "Dynaseal")
set(CPACK_NSIS_DISPLAY_NAME "Dynaseal Console")
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\\\dynaseal-console.exe")
set(CPACK_NSIS_MUI_ICON "${DYNASEAL_PACKAGING_DIR}/icons/dynaseal.ico")
set(CPACK_NSIS_MUI_UNIICON "${DYNASEAL_PACKAGING_DIR}/icons/dynaseal.ico")
set(CPACK_NSIS_MUI_FINISHPAGE_RUN "dynaseal-console.exe")

# macOS: the bundle with a link to /Applications beside it.
set(CPACK_DMG_VOLUME_NAME "Dynaseal ${Dynaseal_VERSION}")
set(CPACK_DMG_FORMAT UDZO)

configure_file("${DYNASEAL_PACKAGING_DIR}/CPackOptions.cmake.in"
               "${CMAKE_BINARY_DIR}/packaging/CPackOptions.cmake" @ONLY)
include(CPack)

if(_dynaseal_linux)
  cpack_add_component_group(server DISPLAY_NAME "Dynaseal server")
  cpack_add_component(server GROUP server DISPLAY_NAME "dynaseal-server")
  cpack_add_component(server_system GROUP server DISPLAY_NAME "configuration and systemd unit")
endif()
if(_dynaseal_console)
  cpack_add_component_group(console DISPLAY_NAME "Dynaseal console")
  cpack_add_component(console GROUP console DISPLAY_NAME "Dynaseal Console" REQUIRED)
endif()

# ---- tests ------------------------------------------------------------------------------------
if(DYNASEAL_BUILD_TESTS AND _dynaseal_linux)
  # The packaged config must list every setting the server knows, with its default.
  add_test(NAME PackagedConfigListsEverySetting
           COMMAND bash "${DYNASEAL_PACKAGING_DIR}/linux/check-config.sh"
                   $<TARGET_FILE:dynaseal-server> "${DYNASEAL_PACKAGING_DIR}/linux/dynaseal.conf")
  set_tests_properties(PackagedConfigListsEverySetting PROPERTIES LABELS packaging TIMEOUT 60)
  # Builds the .debs and installs them into a clean Debian 12 root: needs root and the network
  # to Debian's mirror, so only when asked for (DYNASEAL_TEST_PACKAGING=1 when configuring).
  if("$ENV{DYNASEAL_TEST_PACKAGING}" STREQUAL "1")
    add_test(NAME PackagesInstallOnDebian12
             COMMAND bash "${DYNASEAL_PACKAGING_DIR}/linux/test-deb.sh" "${CMAKE_BINARY_DIR}")
    set_tests_properties(PackagesInstallOnDebian12 PROPERTIES
      LABELS packaging TIMEOUT 1800 RUN_SERIAL TRUE SKIP_RETURN_CODE 77)
  endif()
endif()
