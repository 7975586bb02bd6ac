"""Key pairs of the offline Alipay sandbox, generated on first run (never committed: var/ is ignored).

Two RSA-2048 pairs live in one folder:
  app_private_key.pem / app_public_key.pem        the shop's sandbox app key (the shop signs requests;
                                                   the sandbox verifies them with the public half)
  alipay_private_key.pem / alipay_public_key.pem  the sandbox's own "Alipay" key (the sandbox signs returns,
                                                   notifies and responses; the shop verifies them)
Imported by config/settings/local.py, so it must not import Django.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

APP_PRIVATE = "app_private_key.pem"
APP_PUBLIC = "app_public_key.pem"
ALIPAY_PRIVATE = "alipay_private_key.pem"
ALIPAY_PUBLIC = "alipay_public_key.pem"
ALL_FILES = (APP_PRIVATE, APP_PUBLIC, ALIPAY_PRIVATE, ALIPAY_PUBLIC)


def generate_key_pair() -> tuple[bytes, bytes]:
    """A fresh RSA-2048 pair as (PKCS#1 private PEM, SubjectPublicKeyInfo public PEM), like Alipay's key tool."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


def ensure_sandbox_keys(folder: Path | str) -> Path:
    """Create both key pairs in `folder` unless they are all there; returns the folder.

    Safe when several processes start at once (web, worker, test runs): each writes a complete set into a
    private temporary folder and renames it into place; a loser of that race keeps the winner's keys.
    """
    folder = Path(folder)
    if all((folder / name).is_file() for name in ALL_FILES):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".alipay-sandbox-", dir=folder.parent))
    try:
        for private_name, public_name in ((APP_PRIVATE, APP_PUBLIC), (ALIPAY_PRIVATE, ALIPAY_PUBLIC)):
            private, public = generate_key_pair()
            (staging / private_name).write_bytes(private)
            (staging / public_name).write_bytes(public)
            os.chmod(staging / private_name, 0o600)
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # an empty leftover would make the rename below fail
        try:
            os.rename(staging, folder)
        except OSError:
            if not all((folder / name).is_file() for name in ALL_FILES):
                raise  # a half-filled folder we did not create: refuse rather than mix keys
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder
