#!/usr/bin/env bash
# A Docker engine for the live checks of Stage 4's deploy exercises (idempotent; needs root or sudo).
# The proofs never need it: without an engine the deploy graders run their static checks only.
#   docker.io, debootstrap   from Debian's packages (dockerd, containerd, runc, the docker CLI)
#   dockerd                  started in the background when no engine answers (log: /var/log/swai-dockerd.log)
#   base images              no image registry is reachable here, so the bases the specs name are made
#                            locally: debootstrap --variant=minbase bookworm from Debian's mirror, imported
#                            with `docker import` and tagged as on Docker Hub, so that Dockerfiles written
#                            for the real registry build offline:
#                              debian:bookworm-slim, debian:12-slim           minbase bookworm
#                              python:3.11-slim-bookworm, python:3.11-slim    the same plus python3 as python
# Usage: bash scripts/docker.sh [--rebuild]   (--rebuild: make the base images again)
# Stop the engine it started: kill "$(cat /var/run/docker.pid)"
set -euo pipefail
cd "$(dirname "$0")/.."
MIRROR=${SWAI_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${SWAI_DOCKER_CACHE:-/var/cache/swai-docker}
LOG=/var/log/swai-dockerd.log
rebuild=""
[ "${1:-}" = "--rebuild" ] && rebuild=1
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's CLI, whatever else is first on PATH (it matches the engine's API version).
docker() { $sudo /usr/bin/docker "$@"; }

if ! docker info >/dev/null 2>&1; then
  echo "starting dockerd (log: $LOG)"
  $sudo sh -c "setsid dockerd >>'$LOG' 2>&1 </dev/null &"
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
fi

# import ROOTFS TAG...: a root file system as an image, with the settings of the official image.
import_as() {
  local rootfs=$1 cmd=$2
  shift 2
  local first=$1
  $sudo tar -C "$rootfs" --numeric-owner -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "CMD [\"$cmd\"]" \
    --message "swai: debootstrap --variant=minbase bookworm ($MIRROR)" - "$first" >/dev/null
  for tag in "${@:2}"; do docker tag "$first" "$tag"; done
  echo "imported $* ($(docker image inspect -f '{{.Size}}' "$first" | awk '{printf "%.0f MB", $1/1e6}'))"
}

# bootstrap DIR [PACKAGES]: a minbase bookworm in DIR, cleaned like Docker Hub's slim images.
bootstrap() {
  local dir=$1 include=${2:-}
  $sudo rm -rf "$dir"
  $sudo mkdir -p "$dir"
  $sudo debootstrap --variant=minbase ${include:+--include="$include"} bookworm "$dir" "$MIRROR" >/dev/null
  $sudo chroot "$dir" apt-get clean
  # The apt settings of Docker Hub's Debian images (debuerreotype): no .deb files or package
  # caches left in a layer after `apt-get install`, no translations, gzipped indexes.
  $sudo tee "$dir/etc/apt/apt.conf.d/docker-clean" >/dev/null <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  echo 'Acquire::Languages "none";' | $sudo tee "$dir/etc/apt/apt.conf.d/docker-no-languages" >/dev/null
  echo 'Acquire::GzipIndexes "true";' | $sudo tee "$dir/etc/apt/apt.conf.d/docker-gzip-indexes" >/dev/null
  echo 'Apt::AutoRemove::SuggestsImportant "false";' | $sudo tee "$dir/etc/apt/apt.conf.d/docker-autoremove-suggests" >/dev/null
  $sudo rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/log/*.log \
    "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/locale/*
}

has() { docker image inspect "$1" >/dev/null 2>&1; }

if [ -n "$rebuild" ] || ! has debian:bookworm-slim || ! has debian:12-slim; then
  echo "bootstrapping debian:bookworm-slim from $MIRROR (a few minutes)"
  bootstrap "$CACHE/debian"
  import_as "$CACHE/debian" bash debian:bookworm-slim debian:12-slim
fi
if [ -n "$rebuild" ] || ! has python:3.11-slim-bookworm || ! has python:3.11-slim; then
  echo "bootstrapping python:3.11-slim-bookworm from $MIRROR (a few minutes)"
  bootstrap "$CACHE/python" python3
  # As in the official image: `python` and `python3` on PATH.
  $sudo ln -sf /usr/bin/python3 "$CACHE/python/usr/local/bin/python"
  $sudo ln -sf /usr/bin/python3 "$CACHE/python/usr/local/bin/python3"
  import_as "$CACHE/python" python3 python:3.11-slim-bookworm python:3.11-slim
fi
$sudo rm -rf "$CACHE"
echo "docker: $(docker version -f '{{.Server.Version}} (API {{.Server.APIVersion}})'); base images:"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^(debian|python):' | sed 's/^/  /' || true
