"""C2PA content credentials: sign every video the suite writes; read and validate any file.

Signing (:func:`sign_video`, called by :func:`bench.video.write_video`, the one place videos are
written).  The manifest holds

- a ``c2pa.actions.v2`` assertion with one ``c2pa.created`` action whose ``digitalSourceType`` is
  IPTC ``trainedAlgorithmicMedia`` for generators (learned models) and ``algorithmicMedia`` for
  the oracle world's procedural renders (``source: rendered``: made by an algorithm, not
  learned from data), and whose ``softwareAgent`` names the generator and its revision;
- an ``org.bench.generation`` assertion: generator, revision, suite, probe id, seed, sample,
  ``prompt_sha256`` (sha256 of the UTF-8 prompt; the prompt itself is in the container tags),
  the bench version.

Containers.  The C2PA SDK (c2pa-python, c2pa-rs) embeds manifests in ISO-BMFF (MP4, MOV, M4V)
but not in Matroska/WebM.  So the MP4 preview carries an **embedded** manifest (hard binding
``c2pa.hash.bmff``), and the lossless ``.mkv`` gets a **sidecar** manifest store
``<stem>.c2pa`` beside it (same name, extension replaced), bound to the exact bytes of the file
by a ``c2pa.hash.data`` hard binding: one changed byte in the ``.mkv`` makes it fail.

Who signs.  ``BENCH_C2PA_CERT`` (PEM certificate chain, signer first) and ``BENCH_C2PA_KEY``
(PEM private key) name the user's credentials; ``BENCH_C2PA_ALG`` the algorithm (default
``es256``; one of es256 es384 es512 ps256 ps384 ps512 ed25519).  Without them the suite creates,
once per machine, a local test chain (a P-256 root CA and an end-entity certificate with
digitalSignature key usage and the emailProtection EKU that C2PA accepts) in
``$BENCH_C2PA_DIR`` (default ``~/.cache/bench/c2pa``, outside the repository) and the manifest
row says ``signer: local-test-chain (untrusted)``.  Such credentials validate structurally
(state ``Valid``, with ``signingCredential.untrusted``): they prove the file is unchanged since
signing, not who signed it.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.atomic import file_mode
from bench.errors import UserError

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
EMBED_FORMATS = {".mp4": "video/mp4", ".mov": "video/quicktime", ".m4v": "video/x-m4v"}
SIDECAR_FORMATS = {".mkv": "video/x-matroska", ".webm": "video/webm"}
TEST_SIGNER = "local-test-chain (untrusted)"
BENCH_ASSERTION = "org.bench.generation"
#: validation codes that concern trust in the signer, not the integrity of the file
TRUST_CODES = ("signingCredential.untrusted",)
MAX_SIDECAR = 16 << 20
#: IPTC digital source types that declare generative AI (``ai_generated``) or other synthesis
AI_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia")
SYNTHETIC_TYPES = ("algorithmicMedia", "compositeSynthetic")


def source_type(prov: dict[str, Any]) -> str:
    """IPTC digital source type for a video of this provenance (full URI)."""
    kind = "algorithmicMedia" if prov.get("source") == "rendered" else "trainedAlgorithmicMedia"
    return IPTC + kind


def sidecar_path(path: str | os.PathLike) -> Path:
    """Where the sidecar manifest store of ``path`` lives: same name, extension ``.c2pa``."""
    return Path(path).with_suffix(".c2pa")


# --------------------------------------------------------------------------- signer


def chain_dir() -> Path:
    d = os.environ.get("BENCH_C2PA_DIR")
    if d:
        return Path(d)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bench" / "c2pa"


def _name(cn: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "bench local test chain (untrusted)")])


def _make_test_chain() -> tuple[bytes, bytes]:
    """(PEM chain: end-entity then root, PEM PKCS#8 key of the end entity)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=3650)

    def usage(sign: bool) -> Any:
        return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                             data_encipherment=False, key_agreement=False, key_cert_sign=not sign,
                             crl_sign=not sign, encipher_only=False, decipher_only=False)

    ca_key, ee_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(_name("bench test root CA")).issuer_name(_name("bench test root CA"))
            .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(usage(False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ee = (x509.CertificateBuilder().subject_name(_name("bench test signer")).issuer_name(root.subject)
          .public_key(ee_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
          .add_extension(usage(True), critical=True)
          .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ee_key.public_key()), critical=False)
          .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    chain = ee.public_bytes(pem) + root.public_bytes(pem)
    key = ee_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return chain, key


def ensure_test_chain(folder: Path | None = None) -> tuple[Path, Path]:
    """Paths (chain.pem, key.pem) of the local test chain, created once (under a file lock)."""
    folder = folder or chain_dir()
    cert, key = folder / "chain.pem", folder / "key.pem"
    if cert.is_file() and key.is_file():
        return cert, key
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise UserError(f"{folder}: cannot create the local C2PA test chain ({e.strerror}); "
                        "set BENCH_C2PA_DIR to a writable folder") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if not (cert.is_file() and key.is_file()):
            chain_pem, key_pem = _make_test_chain()
            for p, data, mode in ((key, key_pem, 0o600), (cert, chain_pem, 0o644)):
                tfd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
                with os.fdopen(tfd, "wb") as f:
                    f.write(data)
                os.chmod(tmp, mode)
                os.replace(tmp, p)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    return cert, key


_SIGNER: dict[tuple, tuple[Any, str]] = {}


def signer() -> tuple[Any, str]:
    """(c2pa ``Context`` holding the signer, label for the manifest row), cached per process and
    configuration."""
    import c2pa

    cert_env, key_env = os.environ.get("BENCH_C2PA_CERT"), os.environ.get("BENCH_C2PA_KEY")
    alg = (os.environ.get("BENCH_C2PA_ALG") or "es256").lower()
    ck = (os.getpid(), cert_env, key_env, alg, str(chain_dir()))
    if ck in _SIGNER:
        return _SIGNER[ck]
    if bool(cert_env) != bool(key_env):
        raise UserError("BENCH_C2PA_CERT and BENCH_C2PA_KEY must be set together (PEM chain and PEM key)")
    if cert_env:
        cert_p, key_p = Path(cert_env), Path(key_env or "")
        for p, var in ((cert_p, "BENCH_C2PA_CERT"), (key_p, "BENCH_C2PA_KEY")):
            if not p.is_file():
                raise UserError(f"{var}={p}: not a regular file")
        label = f"configured: {cert_p.name}"
    else:
        cert_p, key_p = ensure_test_chain()
        label = TEST_SIGNER
    algs = {a.name.lower(): a for a in c2pa.C2paSigningAlg}
    if alg not in algs:
        raise UserError(f"BENCH_C2PA_ALG={alg!r}: not one of {', '.join(sorted(algs))}")
    try:
        info = c2pa.C2paSignerInfo(algs[alg], cert_p.read_bytes(), key_p.read_bytes(), None)
        # no verification after each signing: it doubles the cost (the 10 % budget), and the tests
        # and `bench provenance` validate what is signed
        settings = c2pa.Settings.from_dict({"verify": {"verify_after_sign": False}})
        ctx = c2pa.Context(settings, c2pa.Signer.from_info(info))
    except (OSError, c2pa.C2paError) as e:
        raise UserError(f"{cert_p}: cannot make a C2PA signer from this certificate and key ({e})") from None
    _SIGNER.clear()
    _SIGNER[ck] = (ctx, label)
    return ctx, label


# --------------------------------------------------------------------------- sign


def manifest_definition(prov: dict[str, Any], title: str, fmt: str) -> dict[str, Any]:
    """The manifest (c2pa-rs ManifestDefinition JSON) for a video of provenance ``prov``."""
    from bench import __version__

    model = str(prov.get("model") or "unknown")
    revision = str(prov.get("revision") or "")
    prompt = prov.get("prompt")
    gen = {"generator": model, "revision": revision, "suite": prov.get("suite"),
           "probe_id": prov.get("probe_id"), "seed": prov.get("seed"), "sample": prov.get("sample"),
           "source": prov.get("source", "generated"),
           "prompt_sha256": hashlib.sha256(str(prompt).encode("utf-8")).hexdigest() if prompt is not None else None,
           "bench_version": __version__}
    agent = {"name": model, **({"version": revision} if revision else {})}
    return {
        "claim_generator_info": [{"name": "bench", "version": __version__}],
        "title": title, "format": fmt,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [
                {"action": "c2pa.created", "digitalSourceType": source_type(prov), "softwareAgent": agent}]}},
            {"label": BENCH_ASSERTION, "data": {k: v for k, v in gen.items() if v is not None}},
        ],
    }


def sign_video(tmp: Path, prov: dict[str, Any], final: Path) -> dict[str, Any]:
    """Sign the just-encoded file ``tmp`` (to be renamed to ``final``): embedded for MP4/MOV
    (``tmp`` is rewritten), sidecar ``<final stem>.c2pa`` for MKV/WebM (``tmp`` untouched).

    Returns the manifest row's ``credentials`` entry.  Raises ``UserError`` for another extension.
    """
    import c2pa

    ext = final.suffix.lower()
    fmt = EMBED_FORMATS.get(ext) or SIDECAR_FORMATS.get(ext)
    if fmt is None:
        raise UserError(f"{final}: C2PA signing supports {', '.join(sorted({**EMBED_FORMATS, **SIDECAR_FORMATS}))}")
    ctx, label = signer()
    definition = manifest_definition(prov, final.name, fmt)
    with c2pa.Builder(definition, ctx) as b:
        if ext in EMBED_FORMATS:
            out = io.BytesIO()
            with open(tmp, "rb") as src:
                b.sign(fmt, src, out)
            data = out.getbuffer()
            with open(tmp, "r+b") as f:  # still the temp file: the caller fsyncs and renames it
                f.write(data)            # (overwrite in place: O_TRUNC costs more than the signing)
                f.truncate(len(data))
            where = "embedded"
        else:
            b.set_no_embed()
            with open(tmp, "rb") as src:
                store = b.sign(fmt, src, io.BytesIO())
            _write_sidecar(sidecar_path(final), store)
            where = f"sidecar {sidecar_path(final).name}"
    return {"manifest": where, "signer": label, "digital_source_type": source_type(prov).rsplit("/", 1)[-1]}


def _write_sidecar(path: Path, data: bytes) -> None:
    """Write-then-rename without fsync: the sidecar is written before its video is fsynced and
    renamed, and a video counts as done only once its manifest row exists (bench.store.run), so a
    crash before that redoes both; skipping the extra fsync keeps signing within its time budget."""
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.stem}-", suffix=".c2pa", dir=path.parent)
    try:
        os.fchmod(fd, file_mode())  # mkstemp makes 0600; run files follow the umask (bench.atomic)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------- read


def _reader(path: Path, f: Any) -> Any:
    """(c2pa ``Reader`` or None without a manifest, sidecar path or None) for ``path`` open as
    ``f``.  An embedded manifest wins; the sidecar ``<stem>.c2pa`` is read otherwise (our MKV and
    its MP4 preview share a stem, and the MP4 embeds its own)."""
    import c2pa

    ext = path.suffix.lower()
    fmt = EMBED_FORMATS.get(ext) or SIDECAR_FORMATS.get(ext) or "application/octet-stream"
    side = sidecar_path(path)
    if ext in EMBED_FORMATS:
        reader = c2pa.Reader.try_create(fmt, f)
        if reader is not None:
            return reader, None
        f.seek(0)
    if side != path and side.is_file():
        if side.stat().st_size > MAX_SIDECAR:
            raise UserError(f"{side}: sidecar manifest larger than {MAX_SIDECAR >> 20} MiB")
        return c2pa.Reader(fmt, f, side.read_bytes()), side
    return (None if ext in EMBED_FORMATS else c2pa.Reader.try_create(fmt, f)), None


def read_credentials(path: str | os.PathLike) -> dict[str, Any]:
    """What C2PA says about ``path``: ``present``, ``valid`` (structurally: every hash and the
    signature check; trust in the signer aside), ``trusted``, ``state``, ``failures`` (codes
    other than signer trust), ``claim_generator``, ``digital_source_type``, ``ai_generated``,
    ``actions``, ``ingredients``, ``signer``, ``manifest`` (embedded / sidecar name), ``bench``
    (our generation assertion, when present).

    Raises ``UserError`` for a missing or non-regular file; a container the SDK cannot read is
    reported as ``present: False`` with ``note``.
    """
    import c2pa

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: not a regular file" if path.exists() else f"{path}: file not found")
    try:
        with open(path, "rb") as f:  # streamed: a large user file is not read into memory
            reader, side = _reader(path, f)
            if reader is None:
                return {"present": False}
            with reader:
                store = json.loads(reader.json())
                state = reader.get_validation_state() or "Unknown"
    except c2pa.C2paError as e:
        name = type(e).__name__.lstrip("_").removeprefix("C2pa")
        if "NotSupported" in name or "NotSupported" in str(e):
            return {"present": False, "note": f"container not supported by the C2PA SDK ({path.suffix or 'no extension'})"}
        return {"present": False, "note": f"the C2PA SDK cannot parse this file ({name}: {e})"[:300]}
    except OSError as e:
        raise UserError(f"{path}: unreadable ({e.strerror})") from None
    return summarise(store, state, "embedded" if side is None else f"sidecar {side.name}")


def summarise(store: dict[str, Any], state: str, where: str) -> dict[str, Any]:
    """Condense a c2pa manifest store (Reader JSON) into the fields of :func:`read_credentials`."""
    active = store.get("manifests", {}).get(store.get("active_manifest") or "", {})
    statuses = store.get("validation_status") or []
    codes = [str(s.get("code")) for s in statuses if isinstance(s, dict)]
    failures = [c for c in codes if c not in TRUST_CODES]
    actions, dst, bench = [], None, None
    for a in active.get("assertions", []):
        label, data = a.get("label", ""), a.get("data") or {}
        if label.startswith("c2pa.actions"):
            for act in data.get("actions", []):
                actions.append(act.get("action"))
                dst = dst or act.get("digitalSourceType")
        elif label == BENCH_ASSERTION:
            bench = data
    info = active.get("claim_generator_info") or []
    gen = ", ".join(f"{g.get('name')} {g.get('version', '')}".strip() for g in info if isinstance(g, dict))
    sig = active.get("signature_info") or {}
    dst_short = dst.rsplit("/", 1)[-1] if isinstance(dst, str) else None
    return {
        "present": True,
        "valid": state in ("Valid", "Trusted") and not failures,
        "trusted": state == "Trusted",
        "state": state,
        "failures": failures,
        "claim_generator": gen or active.get("claim_generator"),
        "digital_source_type": dst_short,
        "ai_generated": dst_short in AI_TYPES if dst_short else None,
        "synthetic": dst_short in AI_TYPES + SYNTHETIC_TYPES if dst_short else None,
        "actions": actions,
        "ingredients": [{"title": i.get("title"), "relationship": i.get("relationship")}
                        for i in active.get("ingredients", [])],
        "signer": {"issuer": sig.get("issuer"), "common_name": sig.get("common_name"), "alg": sig.get("alg")},
        "manifest": where,
        **({"bench": bench} if bench else {}),
    }
