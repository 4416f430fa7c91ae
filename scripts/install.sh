#!/usr/bin/env bash
# Installs everything tfgan_lab needs on a fresh Debian/Ubuntu machine: the real Fashion-MNIST
# files (Debian's dataset-fashion-mnist, read directly as IDX files) and the Python package
# with its test extra. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq dataset-fashion-mnist
fi
python3 -m pip install -q -e ".[test]"
