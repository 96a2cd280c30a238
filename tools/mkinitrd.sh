#!/bin/sh
# mkinitrd.sh - the test guest: a Debian cloud kernel (downloaded, unpacked with dpkg -x, never installed) and a
# busybox initramfs holding its virtio-net modules and tests/guest/init.   Usage: tools/mkinitrd.sh OUTDIR
set -eu
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
INIT=$(cd "$(dirname "$0")/.." && pwd)/tests/guest/init
cd "$OUT"
if [ ! -d kpkg/lib/modules ]; then
    # the meta package names the versioned kernel it depends on
    kernel_pkg() { apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
    PKG=$(kernel_pkg)
    if [ -z "$PKG" ]; then # a fresh machine may have no package lists yet
        SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
        $SUDO apt-get update -qq && PKG=$(kernel_pkg)
    fi
    [ -n "$PKG" ] || { echo "mkinitrd: no linux-image-cloud-amd64 in the apt lists (apt-get update?)" >&2; exit 1; }
    rm -f linux-image-*.deb
    apt-get download -q "$PKG" >/dev/null
    rm -rf kpkg.tmp && dpkg -x "$PKG"_*.deb kpkg.tmp && mv kpkg.tmp kpkg && rm -f "$PKG"_*.deb
fi
cp "$(ls kpkg/boot/vmlinuz-* | head -1)" vmlinuz
KMOD=$(ls -d kpkg/lib/modules/*/kernel | head -1)
ROOT=$(mktemp -d "$OUT/root.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT/bin" "$ROOT/proc" "$ROOT/sys" "$ROOT/dev" "$ROOT/lib/modules" "$ROOT/tmp"
cp /bin/busybox "$ROOT/bin/busybox"
# load order from the modules' depends= fields (an unpacked package has no modules.dep)
ORDER=""
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
         drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci net/core/failover \
         drivers/net/net_failover drivers/net/virtio_net; do
    b=$(basename "$m")
    if [ -f "$KMOD/$m.ko" ]; then cp "$KMOD/$m.ko" "$ROOT/lib/modules/"
    elif [ -f "$KMOD/$m.ko.xz" ]; then xz -dc "$KMOD/$m.ko.xz" > "$ROOT/lib/modules/$b.ko"
    else echo "mkinitrd: module $m missing from the kernel package" >&2; exit 1; fi
    ORDER="$ORDER $b"
done
echo "$ORDER" > "$ROOT/lib/modules/order"
cp "$INIT" "$ROOT/init"
chmod 755 "$ROOT/init"
(cd "$ROOT" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 > initrd.gz.tmp
mv initrd.gz.tmp initrd.gz
echo "guest: $(ls kpkg/boot/vmlinuz-*) and initrd.gz ($(stat -c %s initrd.gz) bytes, modules:$ORDER)"
