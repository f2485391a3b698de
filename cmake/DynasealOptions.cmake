# Language standard, warnings, hardening and Qt defines shared by every target.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "" FORCE)
endif()

add_library(dynaseal_options INTERFACE)
# Also for a project that builds these libraries as its part (bench/): their headers are C++20.
target_compile_features(dynaseal_options INTERFACE cxx_std_20)
target_compile_definitions(dynaseal_options INTERFACE
  QT_NO_URL_CAST_FROM_STRING
  QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
  QT_USE_QSTRINGBUILDER
  DYNASEAL_VERSION="${PROJECT_VERSION}")
target_include_directories(dynaseal_options INTERFACE ${PROJECT_SOURCE_DIR})
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(dynaseal_options INTERFACE
    -Wall -Wextra -Wpedantic -Wno-unused-parameter
    -fstack-protector-strong
    $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
  target_link_options(dynaseal_options INTERFACE -Wl,-z,relro,-z,now)
endif()

# add_unit_test(NAME SOURCES... LIBS ...): one QtTest executable registered with CTest.
function(add_unit_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE dynaseal_options Qt6::Test ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;DYNASEAL_SERVER_BIN=$<TARGET_FILE:dynaseal-server>")
endfunction()
