#!/usr/bin/env bash
# The README's quick start: make a repository, install tslfs as its LFS filter, track a file,
# commit it, show the pointer that git stores next to the content in the work tree, then push
# to a local bare remote and clone it back.
# Runs in a temporary directory with a private HOME, so it touches nothing of yours.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tslfs() { node "$here/bin/tslfs.js" "$@"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/tslfs-quickstart-XXXXXX")"
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global user.name "tslfs quickstart"
git config --global user.email "quickstart@example.com"
git config --global init.defaultBranch main

git init -q "$work/demo"
cd "$work/demo"
echo '$ tslfs install'; tslfs install
echo "\$ tslfs track '*.bin'"; tslfs track '*.bin'
head -c 2000000 /dev/urandom > data.bin
git add .gitattributes data.bin
git commit -qm "Add data.bin through tslfs"

echo; echo '$ git show HEAD:data.bin        # what git stores: the pointer'
git show HEAD:data.bin
echo '$ tslfs ls-files'; tslfs ls-files
echo "\$ ls -l data.bin                 # what the work tree holds: the content"
ls -l data.bin
oid=$(git show HEAD:data.bin | sed -n 's/^oid sha256://p')
echo "\$ ls .git/lfs/objects/${oid:0:2}/${oid:2:2}/"
ls ".git/lfs/objects/${oid:0:2}/${oid:2:2}/"

rm data.bin
git checkout -- data.bin
test "$(sha256sum < data.bin | cut -d' ' -f1)" = "$oid"
echo; echo "Deleted data.bin and checked it out again through tslfs filter-process: content verified."

# A local bare repository as the remote: no LFS server needed.
git init -q --bare "$work/remote.git"
git remote add origin "$work/remote.git"
echo; echo '$ git push origin main             # the pre-push hook uploads the object'
git push -q origin main
echo "\$ git clone remote.git clone        # tslfs filter-process downloads while git checks out"
git clone -q "$work/remote.git" "$work/clone"
test "$(sha256sum < "$work/clone/data.bin" | cut -d' ' -f1)" = "$oid"
(cd "$work/clone" && echo '$ tslfs ls-files' && tslfs ls-files)
echo "Cloned it back: data.bin has the same content."
