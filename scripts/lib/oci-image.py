#!/usr/bin/python3
"""Pack a staged root filesystem into a reproducible single-layer OCI image-layout archive.

Usage:
  oci-image.py build --rootfs DIR --output FILE.oci.tar --ref NAME [--arch ARCH]
                     [--config JSON] [--mode PATH=OCTAL]...

Prints the manifest digest ("sha256:...") on stdout.

Everything that could vary between builds is pinned: entries are sorted by name, every mtime is 0, every
owner is 0:0 with no user or group names, modes are normalised (directories 0755, files 0755 when the
staged file has any execute bit and 0644 otherwise, symlinks 0777; --mode overrides one path), hard links
are stored as separate regular files, gzip carries no name and mtime 0, JSON is written with sorted keys,
and the outer archive is built the same way. The same staged tree therefore gives the same bytes.

Python 3 standard library only.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import stat
import sys
import tarfile

CREATED = "1970-01-01T00:00:00Z"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def die(msg):
    print(f"oci-image: {msg}", file=sys.stderr)
    sys.exit(1)


def tarinfo(name, kind, mode, size=0, linkname=""):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.size = size
    ti.linkname = linkname
    ti.mtime = 0
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    ti.devmajor = ti.devminor = 0
    return ti


def walk_sorted(root):
    """Relative paths of everything under root (not root itself), sorted bytewise."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for n in dirnames + filenames:
            out.append(n if rel == "." else os.path.join(rel, n))
    return sorted(out, key=os.fsencode)


def layer_tar(root, modes):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel in walk_sorted(root):
            path = os.path.join(root, rel)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                tar.addfile(tarinfo(rel, tarfile.SYMTYPE, 0o777, linkname=os.readlink(path)))
            elif stat.S_ISDIR(st.st_mode):
                tar.addfile(tarinfo(rel, tarfile.DIRTYPE, modes.get(rel, 0o755)))
            elif stat.S_ISREG(st.st_mode):
                default = 0o755 if st.st_mode & 0o111 else 0o644
                with open(path, "rb") as f:
                    data = f.read()
                ti = tarinfo(rel, tarfile.REGTYPE, modes.get(rel, default), size=len(data))
                tar.addfile(ti, io.BytesIO(data))
            else:
                die(f"{path}: only directories, regular files and symlinks can go in a layer")
    unknown = set(modes) - set(walk_sorted(root))
    if unknown:
        die(f"--mode names paths not in the root filesystem: {', '.join(sorted(unknown))}")
    return buf.getvalue()


def gzip_bytes(data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buf.getvalue()


def canonical_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type, data, annotations=None):
    d = {"mediaType": media_type, "digest": sha256(data), "size": len(data)}
    if annotations:
        d["annotations"] = annotations
    return d


def build(args):
    if not os.path.isdir(args.rootfs):
        die(f"{args.rootfs}: not a directory")
    modes = {}
    for m in args.mode:
        path, _, octal = m.partition("=")
        try:
            modes[path.strip("/")] = int(octal, 8)
        except ValueError:
            die(f"--mode {m}: expected PATH=OCTAL")
    try:
        image_config = json.loads(args.config)
    except json.JSONDecodeError as e:
        die(f"--config: {e}")

    raw = layer_tar(args.rootfs, modes)
    layer = gzip_bytes(raw)
    config = canonical_json({
        "created": CREATED,
        "architecture": args.arch,
        "os": "linux",
        "config": image_config,
        "rootfs": {"type": "layers", "diff_ids": [sha256(raw)]},
        "history": [{"created": CREATED, "created_by": "husk scripts/build-test-images.sh"}],
    })
    manifest = canonical_json({
        "schemaVersion": 2,
        "mediaType": MT_MANIFEST,
        "config": descriptor(MT_CONFIG, config),
        "layers": [descriptor(MT_LAYER, layer)],
    })
    index = canonical_json({
        "schemaVersion": 2,
        "mediaType": MT_INDEX,
        "manifests": [descriptor(MT_MANIFEST, manifest, {
            "io.containerd.image.name": args.ref,
            "org.opencontainers.image.ref.name": args.ref,
        })],
    })

    files = {
        "oci-layout": canonical_json({"imageLayoutVersion": "1.0.0"}),
        "index.json": index,
    }
    for blob in (layer, config, manifest):
        files["blobs/sha256/" + hashlib.sha256(blob).hexdigest()] = blob

    tmp = args.output + ".tmp"
    with open(tmp, "wb") as out:
        with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for d in ("blobs", "blobs/sha256"):
                tar.addfile(tarinfo(d, tarfile.DIRTYPE, 0o755))
            for name in sorted(files):
                data = files[name]
                tar.addfile(tarinfo(name, tarfile.REGTYPE, 0o644, size=len(data)), io.BytesIO(data))
    os.replace(tmp, args.output)
    print(sha256(manifest))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="pack a root filesystem into an OCI image-layout archive")
    b.add_argument("--rootfs", required=True)
    b.add_argument("--output", required=True)
    b.add_argument("--ref", required=True, help="image name, e.g. docker.io/library/busybox:latest")
    b.add_argument("--arch", default="amd64")
    b.add_argument("--config", default="{}", help="JSON of the image config's \"config\" object")
    b.add_argument("--mode", action="append", default=[], help="PATH=OCTAL, e.g. tmp=1777")
    args = p.parse_args()
    build(args)


if __name__ == "__main__":
    main()
