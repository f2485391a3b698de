#!/usr/bin/env bash
# Regenerates the committed icons from dynaseal.svg: hicolor PNGs (Linux), dynaseal.ico (Windows)
# and dynaseal.icns (macOS). Needs Debian's librsvg2-bin, icoutils and icnsutils
# (on macOS, `iconutil -c icns` on an .iconset of the same PNGs gives the same .icns).
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512; do
  rsvg-convert -w "$size" -h "$size" dynaseal.svg -o "dynaseal-$size.png"
done
icotool -c -o dynaseal.ico dynaseal-16.png dynaseal-24.png dynaseal-32.png dynaseal-48.png dynaseal-64.png -r dynaseal-256.png
png2icns dynaseal.icns dynaseal-16.png dynaseal-32.png dynaseal-48.png dynaseal-128.png dynaseal-256.png dynaseal-512.png >/dev/null
