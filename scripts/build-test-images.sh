#!/usr/bin/env bash
# Builds the test images offline, from Debian packages already on this machine, as reproducible OCI
# image-layout archives (the same inputs give the same sha256, byte for byte):
#   OUTDIR/busybox.oci.tar  docker.io/library/busybox:latest  /bin/busybox (busybox-static) + applet links
#   OUTDIR/nginx.oci.tar    docker.io/library/nginx:latest    Debian's nginx + the host's libraries + busybox
# The nginx packages are not installed: their .debs are unpacked from ${HUSK_DEB_CACHE:-/var/cache/husk/debs},
# which scripts/setup.sh fills with `apt-get download nginx nginx-common`.
# Cached: an image is rebuilt only when its inputs (these scripts, the busybox-static and nginx package
# versions and files, the host libraries nginx links) change; otherwise this prints one line.
# Usage: scripts/build-test-images.sh [OUTDIR]   (default: build/test-images in the repo)
set -euo pipefail
export LC_ALL=C
umask 022

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
outdir=${1:-$top/build/test-images}
deb_cache=${HUSK_DEB_CACHE:-/var/cache/husk/debs}
python=/usr/bin/python3
helper=$top/scripts/lib/oci-image.py
busybox=/bin/busybox
path_env="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

die() {
    echo "build-test-images: $*" >&2
    exit 1
}

case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
*) die "unsupported machine $(uname -m) (expected x86_64 or aarch64)" ;;
esac

# --- inputs: say exactly what is missing ----------------------------------------------------------------
[ -x "$python" ] || die "$python is missing (apt-get install python3)"
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (apt-get install dpkg)"
busybox_version=$(dpkg-query -W -f='${Status} ${Version}\n' busybox-static 2>/dev/null |
    sed -n 's/^install ok installed //p') || true
[ -n "$busybox_version" ] || die "the busybox-static package is not installed (apt-get install busybox-static)"
[ -x "$busybox" ] || die "$busybox is missing (reinstall busybox-static)"

newest_deb() { # newest_deb GLOB...: the path of the highest-versioned .deb among those matching
    local best="" best_version="" f v
    for f in "$@"; do
        [ -f "$f" ] || continue
        v=$(dpkg-deb -f "$f" Version)
        if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best_version"; then
            best=$f best_version=$v
        fi
    done
    printf '%s' "$best"
}
nginx_deb=$(newest_deb "$deb_cache"/nginx_*_"$arch".deb)
[ -n "$nginx_deb" ] ||
    die "no nginx_*_$arch.deb in $deb_cache (run scripts/setup.sh, or: cd $deb_cache && apt-get download nginx nginx-common)"
nginx_version=$(dpkg-deb -f "$nginx_deb" Version)
nginx_common_deb=$deb_cache/nginx-common_${nginx_version#*:}_all.deb
[ -f "$nginx_common_deb" ] ||
    die "$nginx_common_deb is missing, nginx $nginx_version needs it (cd $deb_cache && apt-get download nginx-common=$nginx_version)"

work=$(mktemp -d "${TMPDIR:-/tmp}/husk-test-images.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The host libraries nginx needs: ldd on the binary from the .deb, one path a line (the loader included).
dpkg-deb --fsys-tarfile "$nginx_deb" | tar -x -C "$work" ./usr/sbin/nginx
ldd_out=$(ldd "$work/usr/sbin/nginx") || die "ldd failed on nginx from $nginx_deb"
if grep -q 'not found' <<<"$ldd_out"; then
    die "nginx needs libraries this machine lacks: $(grep 'not found' <<<"$ldd_out" | awk '{print $1}' | xargs)"
fi
mapfile -t nginx_libs < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$ldd_out" | sort -u)
rm -rf "${work:?}/usr"

owner_of() { # owner_of PATH: "package version" of the Debian package that ships PATH, or "-"
    local p q alt pkg
    for p in "$1" "$(readlink -f "$1")"; do
        case $p in /usr/*) alt=${p#/usr} ;; *) alt=/usr$p ;; esac
        for q in "$p" "$alt"; do
            pkg=$(dpkg -S "$q" 2>/dev/null | sed -n '1s/: .*//p') || true
            if [ -n "$pkg" ]; then
                printf '%s %s' "$pkg" "$(dpkg-query -W -f='${Version}' "$pkg")"
                return
            fi
        done
    done
    printf -- -
}

# --- stamps: what each image was built from ---------------------------------------------------------------
scripts_hash=$(cat "${BASH_SOURCE[0]}" "$helper" | sha256sum | cut -d' ' -f1)
busybox_inputs="scripts $scripts_hash
arch $arch
busybox-static $busybox_version $(sha256sum <"$busybox" | cut -d' ' -f1)"
nginx_inputs="$busybox_inputs
deb $(basename "$nginx_deb") $(sha256sum <"$nginx_deb" | cut -d' ' -f1)
deb $(basename "$nginx_common_deb") $(sha256sum <"$nginx_common_deb" | cut -d' ' -f1)"
for lib in "${nginx_libs[@]}"; do
    nginx_inputs+="
lib $lib $(owner_of "$lib") $(sha256sum <"$lib" | cut -d' ' -f1)"
done

mkdir -p "$outdir/.stamps"
exec 9>"$outdir/.stamps/lock"
flock 9

up_to_date() { # up_to_date NAME INPUTS
    [ -f "$outdir/$1.oci.tar" ] && [ -f "$outdir/.stamps/$1" ] && [ "$(cat "$outdir/.stamps/$1")" = "$2" ]
}

# --- rootfs pieces ---------------------------------------------------------------------------------------
add_busybox() { # add_busybox ROOTFS: /bin/busybox, a symlink for each applet, and the base directories
    local root=$1 applet target
    mkdir -p "$root/bin"
    cp "$busybox" "$root/bin/busybox"
    chmod 0755 "$root/bin/busybox"
    while IFS= read -r applet; do
        applet=${applet#/}
        # linuxrc (an initramfs' init) has no place in an image; busybox itself is there already.
        case $applet in "" | linuxrc | bin/busybox) continue ;; esac
        if [ -e "$root/$applet" ] || [ -L "$root/$applet" ]; then continue; fi
        case $applet in
        bin/*/* | */*/*/*) die "unexpected applet path '$applet' from busybox --list-full" ;;
        bin/*) target=busybox ;;
        */*/*) target=../../bin/busybox ;;
        */*) target=../bin/busybox ;;
        *) die "unexpected applet path '$applet' from busybox --list-full" ;;
        esac
        mkdir -p "$root/${applet%/*}"
        ln -s "$target" "$root/$applet"
    done < <("$busybox" --list-full | sort)
    mkdir -p "$root"/{etc,tmp,root,proc,sys,dev,var/www,usr/share/doc/busybox-static}
    [ -f /usr/share/doc/busybox-static/copyright ] &&
        cp /usr/share/doc/busybox-static/copyright "$root/usr/share/doc/busybox-static/"
    return 0
}

build_image() { # build_image NAME ROOTFS CONFIG_JSON: packs ROOTFS into OUTDIR/NAME.oci.tar
    local name=$1 root=$2 config=$3 digest
    digest=$("$python" "$helper" build --rootfs "$root" --output "$outdir/$name.oci.tar" \
        --ref "docker.io/library/$name:latest" --arch "$arch" --config "$config" \
        --mode tmp=1777 --mode root=0700) || die "packing $name failed"
    echo "test images: built $name.oci.tar $digest"
}

build_busybox() {
    local root=$work/busybox
    mkdir -p "$root"
    add_busybox "$root"
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/home:/bin/false' \
        >"$root/etc/passwd"
    printf '%s\n' 'root:x:0:' 'nobody:x:65534:' >"$root/etc/group"
    build_image busybox "$root" "{\"Env\":[\"$path_env\"],\"Cmd\":[\"sh\"]}"
}

build_nginx() {
    local root=$work/nginx lib pkg
    mkdir -p "$root"
    dpkg-deb -x "$nginx_common_deb" "$root"
    dpkg-deb -x "$nginx_deb" "$root"
    # What a container has no use for: init scripts, units, firewall and logrotate snippets, editor and
    # bug-report helpers, manuals, changelogs, and Debian's sites/modules layout (replaced below).
    rm -rf "$root"/etc/{init.d,ufw,logrotate.d,default} "$root"/lib/systemd \
        "$root"/usr/share/{vim,apport,man} "$root"/etc/nginx/{sites-available,sites-enabled} \
        "$root"/etc/nginx/{modules-available,modules-enabled}
    find "$root/usr/share/doc" -name 'changelog*' -delete

    for lib in "${nginx_libs[@]}"; do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
        pkg=$(owner_of "$lib")
        pkg=${pkg%% *}
        pkg=${pkg%%:*}
        if [ "$pkg" != - ] && [ -f "/usr/share/doc/$pkg/copyright" ]; then
            mkdir -p "$root/usr/share/doc/$pkg"
            cp "/usr/share/doc/$pkg/copyright" "$root/usr/share/doc/$pkg/"
        fi
    done
    add_busybox "$root"

    mkdir -p "$root"/{run,var/lib/nginx,var/log/nginx,var/cache/nginx,var/lock,etc/nginx/conf.d}
    ln -s /dev/stdout "$root/var/log/nginx/access.log"
    ln -s /dev/stderr "$root/var/log/nginx/error.log"
    printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'www-data:x:33:33:www-data:/var/www:/bin/false' \
        'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
    printf '%s\n' 'root:x:0:' 'www-data:x:33:' 'nogroup:x:65534:' >"$root/etc/group"
    printf '%s\n' 'passwd: files' 'group: files' 'shadow: files' 'hosts: files dns' >"$root/etc/nsswitch.conf"
    cat >"$root/etc/nginx/nginx.conf" <<'EOF'
user www-data;
worker_processes auto;

error_log /var/log/nginx/error.log notice;
pid /run/nginx.pid;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;

    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" "$http_x_forwarded_for"';
    access_log /var/log/nginx/access.log main;

    sendfile on;
    keepalive_timeout 65;

    include /etc/nginx/conf.d/*.conf;
}
EOF
    cat >"$root/etc/nginx/conf.d/default.conf" <<'EOF'
server {
    listen 80;
    server_name localhost;

    location / {
        root /usr/share/nginx/html;
        index index.html index.htm;
    }

    error_page 500 502 503 504 /50x.html;
    location = /50x.html {
        root /usr/share/nginx/html;
    }
}
EOF
    grep -q 'Welcome to nginx!' "$root/usr/share/nginx/html/index.html" 2>/dev/null ||
        die "$nginx_common_deb has no /usr/share/nginx/html/index.html saying 'Welcome to nginx!'"
    printf '%s\n' '<!DOCTYPE html>' '<html><head><title>Error</title></head>' \
        '<body><h1>An error occurred.</h1></body></html>' >"$root/usr/share/nginx/html/50x.html"

    build_image nginx "$root" "{\"Env\":[\"$path_env\"],\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],\
\"ExposedPorts\":{\"80/tcp\":{}},\"StopSignal\":\"SIGQUIT\"}"
}

built=0
for image in busybox nginx; do
    inputs_var=${image}_inputs
    up_to_date "$image" "${!inputs_var}" && continue
    rm -f "$outdir/.stamps/$image"
    "build_$image"
    printf '%s\n' "${!inputs_var}" >"$outdir/.stamps/$image"
    built=$((built + 1))
done
[ "$built" -gt 0 ] || echo "test images: up to date"
