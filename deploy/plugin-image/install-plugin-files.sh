#!/bin/sh
# Lays out the plugin directory of the plugin image for one architecture (the Containerfile's
# first stage runs it): every file of dist/ except the backend executables, plus the one
# executable for linux/$TARGETARCH, readable by any user id (OpenShift starts the init container
# with a random one) and the executable runnable. Done here, before the final stage copies the
# directory in one layer, because a chmod in the final stage would store every file twice.
#
#   install-plugin-files.sh <dist dir> <plugin dir> <arch>
set -eu
dist=$1 dest=$2 arch=$3
executable=gpx_inferenceroi

case "$arch" in
amd64 | arm64) ;;
*) echo "unsupported architecture '$arch': Grafana runs on linux/amd64 and linux/arm64" >&2; exit 1 ;;
esac
binary="${executable}_linux_${arch}"
if [ ! -f "$dist/$binary" ]; then
  echo "$dist has no $binary: build it with mage linux" >&2
  exit 1
fi

mkdir -p "$dest"
for f in "$dist"/* "$dist"/.[!.]*; do
  [ -e "$f" ] || continue
  case "${f##*/}" in
  "$executable"_* | standalone.txt | pid.txt) ;;
  *) cp -R "$f" "$dest/" ;;
  esac
done
cp "$dist/$binary" "$dest/"
find "$dest" -type d -exec chmod 0755 {} +
find "$dest" -type f -exec chmod 0644 {} +
chmod 0755 "$dest/$binary"
