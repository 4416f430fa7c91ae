#!/usr/bin/env bash
# Installs everything tfgan_lab needs on a fresh Debian/Ubuntu machine: the Debian packages of
# its offline data (below) and the Python package with its test extra. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: Fashion-MNIST, the packages whose gettext catalogues make the offline
# parallel corpus (tfgan_lab/text/catalogue_packages.txt) and the Ding dictionary that scores
# induced word translations. Only the missing ones are installed.
needed=(dataset-fashion-mnist trans-de-en)
while read -r package; do
  [[ -z "$package" || "$package" == \#* ]] || needed+=("$package")
done < tfgan_lab/text/catalogue_packages.txt
missing=()
for package in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}"
fi
python3 -m pip install -q -e ".[test]"
