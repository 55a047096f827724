#!/usr/bin/python3
"""Writes an OCI image-layout archive whose single layer tries to write outside the layer root, the ways
the runc, containerd and Docker CVEs did, aimed at SENTINEL (a file the test checks afterwards):
  dotdot     a file named ../../…/SENTINEL
  symlink    a symlink to SENTINEL's directory, then a file written through it
  hardlink   a hard link to SENTINEL (an absolute path outside the root)
  whiteout   a whiteout named ".wh.." (a bare/misplaced whiteout)
  absolute   a file named SENTINEL itself (an absolute path)
Usage: make-hostile-image.py OUT.tar KIND SENTINEL   (the image is docker.io/library/hostile:KIND)"""
import hashlib
import io
import json
import os
import sys
import tarfile

out, kind, sentinel = sys.argv[1], sys.argv[2], sys.argv[3]


def add(tar, name, data=b"owned", **kw):
    info = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(info, k, v)
    if info.type == tarfile.REGTYPE:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        tar.addfile(info)


layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
    if kind == "dotdot":
        add(t, "../" * 12 + sentinel.lstrip("/"))
    elif kind == "symlink":
        add(t, "x", type=tarfile.DIRTYPE, mode=0o755)
        add(t, "x/evil", type=tarfile.SYMTYPE, linkname=os.path.dirname(sentinel))
        add(t, "x/evil/" + os.path.basename(sentinel))
    elif kind == "hardlink":
        add(t, "hl", type=tarfile.LNKTYPE, linkname=sentinel)
    elif kind == "whiteout":
        add(t, ".wh..", data=b"")
    elif kind == "absolute":
        add(t, sentinel)
    else:
        sys.exit("unknown kind " + kind)
layer = layer.getvalue()


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                     "rootfs": {"type": "layers", "diff_ids": [digest(layer)]}}).encode()
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": digest(config), "size": len(config)},
                       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                   "digest": digest(layer), "size": len(layer)}]}).encode()
index = json.dumps({"schemaVersion": 2, "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest(manifest),
     "size": len(manifest),
     "annotations": {"org.opencontainers.image.ref.name": "docker.io/library/hostile:" + kind}}]}).encode()
with tarfile.open(out, "w") as t:
    for name, data in [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)] + \
            [("blobs/sha256/" + digest(b)[7:], b) for b in (layer, config, manifest)]:
        add(t, name, data)
