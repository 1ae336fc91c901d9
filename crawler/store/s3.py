"""The archive on S3-compatible object storage with bucket versioning (AWS S3, SeaweedFS, MinIO…).

``STORE_URI=s3://bucket/prefix``. Endpoint, region and credentials come from the usual AWS environment
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, or a
profile), never from the URI or a committed file.

Layout under the prefix::

    {key}                         the object; each distinct content is one S3 version of it. Metadata:
                                  sha256, source-url, fetched-at, last-modified, etag (ASCII-safe)
    _ledger/{seq:012d}.json       one small immutable JSON object per ledger entry (the key, its version
                                  number, sha256, the S3 VersionId, …), chained like LocalStore's
                                  ledger: ``chain`` = sha256(previous chain + this entry)

Why one object per entry, named by sequence number only: the ledger can be read with a plain
``ListObjectsV2`` (in order, incrementally with ``StartAfter``) and GETs; no ``ListObjectVersions``,
whose ordering differs between servers (SeaweedFS version ids sort newest-lower). Entry *n* is created
with ``If-None-Match: *`` (S3 conditional writes; AWS, SeaweedFS and MinIO support them), so two
writers can never both claim *n*: the loser re-reads the ledger, renumbers and tries *n+1*. The chain
is therefore linear even with concurrent crawls, and a deleted or rewritten entry breaks it. Putting
the sha256 into the entry's name would let two writers fork the chain at the same *n*, so it is not.

Write order: the object first, then its ledger entry. A crash in between leaves an S3 version that no
entry lists; the next put of the same bytes finds it by HEAD (metadata sha256) and adopts it rather
than writing a duplicate. Objects of 8 MiB or more go up as multipart uploads, which S3 makes visible
only when complete: no partial object is ever readable.

When the endpoint is unreachable (connection refused, timeouts, 5xx), puts go to a local spool
(:mod:`crawler.store.spool`) and are replayed in order as soon as the store answers again: at the next
put after ``NIANBAO_S3_RETRY_SECS`` (default 10 s), at ``close()``, or with ``scrapy flush``.

Buckets: a missing bucket is created with versioning Enabled. An existing bucket whose versioning is
not Enabled would silently overwrite old versions, so writing to it is refused unless the URI has
``?allow_unversioned=1`` or the environment ``NIANBAO_S3_ALLOW_UNVERSIONED=1``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError, NoCredentialsError
from botocore.exceptions import ConnectionError as BotoConnectionError

from crawler.store.base import PutResult, Store, StoreError, Version, sha256_hex, utcnow
from crawler.store.local import GENESIS, chain_hash
from crawler.store.spool import Spool

logger = logging.getLogger(__name__)

LEDGER = "_ledger"
MULTIPART_THRESHOLD = 8 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024
# Printable ASCII passes through; everything else (CJK in URLs, control characters) is percent-encoded,
# because S3 user metadata travels in HTTP headers.
_META_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "%") + " "
_META_BUDGET = 1800  # S3 allows 2 KiB of user metadata; leave room for the keys


class S3OfflineError(StoreError):
    """The object store cannot be reached right now (the put was spooled, or the read failed)."""


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _offline(exc: BaseException) -> bool:
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return True
    if isinstance(exc, ClientError):
        return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0) >= 500
    return False


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def meta_value(value: Any) -> str:
    """An S3 user-metadata value: ASCII only (non-ASCII and control characters percent-encoded)."""
    return quote(str(value), safe=_META_SAFE)


def make_client() -> Any:
    """A boto3 S3 client configured from the environment, failing fast when the endpoint is down."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    config = Config(
        # Path-style for self-hosted servers (no wildcard DNS for bucket sub-domains); AWS takes either.
        s3={"addressing_style": "path" if endpoint else "auto"},
        connect_timeout=5,
        read_timeout=60,
        # A few quick retries ride out a blip; beyond that the put is spooled rather than stalling a crawl.
        retries={"max_attempts": 3, "mode": "standard"},
        max_pool_connections=32,
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=region, config=config)


class S3Store(Store):
    _instances: ClassVar[dict[tuple[str, str], S3Store]] = {}
    _instances_lock = threading.Lock()

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: Any = None,
        allow_unversioned: bool = False,
        spool_root: str | os.PathLike[str] | None = None,
        retry_after: float | None = None,
    ):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.client = client if client is not None else make_client()
        self.allow_unversioned = allow_unversioned or _truthy(os.environ.get("NIANBAO_S3_ALLOW_UNVERSIONED"))
        self.spool = Spool(self.uri, spool_root)
        self.retry_after = (
            retry_after if retry_after is not None else float(os.environ.get("NIANBAO_S3_RETRY_SECS", "10"))
        )
        self._offline_until = 0.0
        self._writable = False
        # The ledger as read so far: entries are immutable, so it is only ever extended.
        self._entries: list[Version] = []
        self._latest: dict[str, Version] = {}
        self._chain = GENESIS
        self._last_ledger_key = ""
        self._state_lock = threading.RLock()  # ledger index, claims of sequence numbers, spool order
        self._key_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    @classmethod
    def from_uri(cls, uri: str) -> S3Store:
        """The store for ``s3://bucket/prefix[?allow_unversioned=1]``, shared within the process.

        A crawl opens the store from the archive pipeline, the catalogue, the crawl log and the WARC
        writer; sharing one instance per URI and endpoint reads the ledger once, not four times.
        """
        parts = urlsplit(uri)
        if parts.scheme != "s3" or not parts.netloc:
            raise StoreError(f"not an S3 URI: {uri!r} (expected s3://bucket/prefix)")
        query = parse_qs(parts.query)
        allow = _truthy((query.get("allow_unversioned") or [""])[0])
        cache_key = (uri, os.environ.get("AWS_ENDPOINT_URL", ""))
        with cls._instances_lock:
            store = cls._instances.get(cache_key)
            if store is None:
                store = cls(parts.netloc, parts.path, allow_unversioned=allow)
                cls._instances[cache_key] = store
            return store

    # ---- names -------------------------------------------------------------------------------
    def _object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    @property
    def _ledger_prefix(self) -> str:
        return self._object_key(LEDGER) + "/"

    def _check_key(self, key: str) -> str:
        if not key or key.startswith("/") or key.split("/", 1)[0] == LEDGER or "//" in key:
            raise StoreError(f"invalid archive key {key!r}")
        return key

    # ---- the ledger --------------------------------------------------------------------------
    def _call(self, fn: Any, /, **kwargs: Any) -> Any:
        """A boto3 call whose failures become StoreErrors (S3OfflineError when the server is unreachable)."""
        try:
            return fn(**kwargs)
        except NoCredentialsError as exc:
            raise StoreError(f"{self.uri}: no S3 credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)") from exc
        except (BotoCoreError, ClientError) as exc:
            if _offline(exc):
                raise S3OfflineError(f"{self.uri}: object store unreachable: {exc}") from exc
            raise

    def _refresh(self) -> None:
        """Read ledger entries written since the last refresh (by anyone), in sequence order."""
        with self._state_lock:
            names: list[str] = []
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._ledger_prefix}
            if self._last_ledger_key:
                kwargs["StartAfter"] = self._last_ledger_key
            while True:
                try:
                    page = self._call(self.client.list_objects_v2, **kwargs)
                except ClientError as exc:
                    if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
                        return  # nothing archived yet: the bucket is created by the first put
                    raise StoreError(f"{self.uri}: cannot read the ledger: {exc}") from exc
                names += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(".json")]
                if not page.get("IsTruncated"):
                    break
                kwargs["ContinuationToken"] = page["NextContinuationToken"]
            if not names:
                return
            with ThreadPoolExecutor(max_workers=min(16, len(names))) as pool:
                bodies = list(pool.map(self._read_ledger_object, names))
            for name, body in zip(names, bodies, strict=True):
                try:
                    data = json.loads(body)
                    version = Version.from_json(data)
                except (ValueError, TypeError) as exc:
                    logger.error("%s: unreadable ledger entry %s skipped: %s", self.uri, name, exc)
                    self._last_ledger_key = name
                    continue
                self._entries.append(version)
                self._latest[version.key] = version
                self._chain = data.get("chain", self._chain)
                self._last_ledger_key = name

    def _read_ledger_object(self, name: str) -> bytes:
        return bytes(self._call(self.client.get_object, Bucket=self.bucket, Key=name)["Body"].read())

    def _ledger_name(self, seq: int) -> str:
        return f"{self._ledger_prefix}{seq:012d}.json"

    def ledger(self) -> Iterator[Version]:
        self._refresh()
        return iter(list(self._entries))

    def history(self, key: str) -> list[Version]:
        self._refresh()
        return [v for v in self._entries if v.key == key]

    def latest(self, key: str) -> Version | None:
        self._refresh()
        return self._latest.get(key)

    # ---- reading -----------------------------------------------------------------------------
    def get(self, key: str, version: int | None = None) -> bytes:
        history = self.history(key)
        if not history:
            raise StoreError(f"no object {key!r} in {self.uri}")
        chosen = history[-1] if version is None else next((v for v in history if v.version == version), None)
        if chosen is None:
            raise StoreError(f"{key!r} has no version {version} (latest is {history[-1].version})")
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self._object_key(key)}
        if chosen.backend_id and chosen.backend_id != "null":
            kwargs["VersionId"] = chosen.backend_id
        try:
            data = bytes(self._call(self.client.get_object, **kwargs)["Body"].read())
        except ClientError as exc:
            raise StoreError(f"{key!r} v{chosen.version} ({chosen.backend_id}): {exc}") from exc
        if sha256_hex(data) != chosen.sha256:
            # Only possible in an unversioned bucket (overwritten) or after tampering: never hand out
            # bytes that are not the recorded version.
            raise StoreError(f"{key!r} v{chosen.version}: stored bytes do not match the ledger's sha256")
        return data

    # ---- writing -----------------------------------------------------------------------------
    def _ensure_writable(self) -> None:
        if self._writable:
            return
        try:
            self._call(self.client.head_bucket, Bucket=self.bucket)
        except ClientError as exc:
            if _status(exc) != 404:
                raise StoreError(f"{self.uri}: cannot use bucket {self.bucket!r}: {exc}") from exc
            self._create_bucket()
        status = self._call(self.client.get_bucket_versioning, Bucket=self.bucket).get("Status")
        if status != "Enabled":
            if not self.allow_unversioned:
                raise StoreError(
                    f"bucket {self.bucket!r} has versioning {status or 'never enabled'}: writing would overwrite "
                    "archived versions. Enable versioning on the bucket, or accept the risk with "
                    f"{self.uri}?allow_unversioned=1 or NIANBAO_S3_ALLOW_UNVERSIONED=1"
                )
            logger.warning("%s: bucket versioning is %s; old versions can be overwritten", self.uri, status)
        self._writable = True

    def _create_bucket(self) -> None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        region = self.client.meta.region_name
        if region and region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._call(self.client.create_bucket, **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise StoreError(f"{self.uri}: cannot create bucket: {exc}") from exc
        self._call(self.client.put_bucket_versioning, Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        logger.info("%s: created bucket %s with versioning enabled", self.uri, self.bucket)

    def _metadata(
        self, sha256: str, source_url: str | None, fetched_at: str | None, meta: Mapping[str, Any]
    ) -> dict[str, str]:
        fields = {
            "sha256": sha256,
            "fetched-at": fetched_at,
            "last-modified": meta.get("last_modified"),
            "etag": meta.get("etag"),
            "source-url": source_url,
        }
        out: dict[str, str] = {}
        used = 0
        for name, value in fields.items():
            if value is None or value == "":
                continue
            text = meta_value(value)
            if used + len(name) + len(text) > _META_BUDGET:
                # A monstrous URL must not make the put fail: the ledger keeps it in full.
                text = text[: max(0, _META_BUDGET - used - len(name) - 3)] + "..."
            out[name] = text
            used += len(name) + len(text)
        return out

    def _upload(self, key: str, data: bytes, metadata: dict[str, str], content_type: str | None) -> str | None:
        extra: dict[str, Any] = {"Metadata": metadata}
        if content_type:
            extra["ContentType"] = content_type
        target = {"Bucket": self.bucket, "Key": self._object_key(key)}
        if len(data) < MULTIPART_THRESHOLD:
            return self._call(self.client.put_object, Body=data, **target, **extra).get("VersionId")
        upload_id = self._call(self.client.create_multipart_upload, **target, **extra)["UploadId"]
        try:
            parts = []
            for number, start in enumerate(range(0, len(data), PART_SIZE), 1):
                part = self._call(
                    self.client.upload_part,
                    **target,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=data[start : start + PART_SIZE],
                )
                parts.append({"PartNumber": number, "ETag": part["ETag"]})
            done = self._call(
                self.client.complete_multipart_upload,
                **target,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
            return done.get("VersionId")
        except BaseException:
            try:  # a failed upload must not leave parts behind (they are invisible, but cost space)
                self.client.abort_multipart_upload(**target, UploadId=upload_id)
            except (BotoCoreError, ClientError):
                logger.warning("%s: could not abort multipart upload of %s", self.uri, key)
            raise

    def _orphan(self, key: str, sha256: str) -> str | None:
        """The VersionId of the key's current object if it holds these bytes but no ledger entry lists it
        (a crash between upload and ledger entry): adopting it avoids a duplicate S3 version."""
        try:
            head = self._call(self.client.head_object, Bucket=self.bucket, Key=self._object_key(key))
        except ClientError:
            return None
        vid = head.get("VersionId")
        if head.get("Metadata", {}).get("sha256") != sha256 or not vid or vid == "null":
            return None
        known = {v.backend_id for v in self._entries if v.key == key}
        return None if vid in known else vid

    def _put_remote(
        self,
        key: str,
        data: bytes,
        sha256: str,
        content_type: str | None,
        source_url: str | None,
        fetched_at: str | None,
        meta: Mapping[str, Any],
    ) -> PutResult:
        self._ensure_writable()
        self._refresh()
        latest = self._latest.get(key)
        if latest is not None and latest.sha256 == sha256:
            return PutResult(latest, created=False)
        vid = self._orphan(key, sha256)
        if vid is None:
            vid = self._upload(key, data, self._metadata(sha256, source_url, fetched_at, meta), content_type)
            if not vid or vid == "null":
                if not self.allow_unversioned:
                    raise StoreError(f"{self.uri}: the server returned no VersionId for {key!r}; is versioning on?")
                vid = None
        while True:
            with self._state_lock:
                self._refresh()
                latest = self._latest.get(key)
                if latest is not None and latest.sha256 == sha256:
                    return PutResult(latest, created=False)  # a concurrent writer stored the same bytes
                seq = len(self._entries)
                version = Version(
                    key=key,
                    version=(latest.version + 1) if latest else 1,
                    sha256=sha256,
                    size=len(data),
                    stored_at=utcnow(),
                    content_type=content_type,
                    source_url=source_url,
                    fetched_at=fetched_at,
                    meta=dict(meta),
                    backend_id=vid,
                )
                entry = {**version.to_json(), "seq": seq}
                entry["chain"] = chain_hash(self._chain, entry)
                body = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode()
                try:
                    self._call(
                        self.client.put_object,
                        Bucket=self.bucket,
                        Key=self._ledger_name(seq),
                        Body=body,
                        ContentType="application/json",
                        IfNoneMatch="*",
                    )
                except ClientError as exc:
                    if _status(exc) not in (409, 412):
                        raise
                    # Someone claimed this sequence number first -- or we did, and the answer was lost and
                    # the SDK retried: then the entry there is exactly ours.
                    self._refresh()
                    if len(self._entries) > seq and self._entries[seq] == version:
                        return PutResult(version, created=True)
                    continue
                self._refresh()
                return PutResult(version, created=True)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str | None = None,
        source_url: str | None = None,
        fetched_at: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> PutResult:
        key = self._check_key(key)
        sha256 = sha256_hex(data)
        kwargs = {
            "content_type": content_type,
            "source_url": source_url,
            "fetched_at": fetched_at,
            "meta": dict(meta or {}),
        }
        with self._key_locks[key]:
            try:
                # Spooled puts go first, so that the versions of a key keep their order.
                if self.spool.pending() and not self.flush(blocking=False):
                    return self._spool_put(key, data, sha256, kwargs, f"{self.uri}: earlier puts are still spooled")
                return self._put_remote(key, data, sha256, **kwargs)  # type: ignore[arg-type]
            except S3OfflineError as exc:
                return self._spool_put(key, data, sha256, kwargs, str(exc))

    # ---- the spool ---------------------------------------------------------------------------
    def _spool_put(self, key: str, data: bytes, sha256: str, kwargs: dict[str, Any], why: str) -> PutResult:
        with self._state_lock:
            pending = [e for e in self.spool.entries() if e.key == key]
            latest = self._latest.get(key)
            last_sha = pending[-1].sha256 if pending else (latest.sha256 if latest else None)
            base = latest.version if latest else 0
            if last_sha == sha256:
                if pending:
                    return PutResult(
                        self._provisional(key, base + len(pending), pending[-1].spooled_at, sha256, len(data), kwargs),
                        created=False,
                    )
                assert latest is not None
                return PutResult(latest, created=False)
            entry = self.spool.add(key, data, kwargs)
            # Loud once per outage; the puts queued behind it are routine.
            log = logger.warning if not pending and len(self.spool.entries()) == 1 else logger.info
            log("%s; %s spooled to %s", why, key, self.spool.dir)
            version = self._provisional(key, base + len(pending) + 1, entry.spooled_at, sha256, len(data), kwargs)
            return PutResult(version, created=True)

    @staticmethod
    def _provisional(key: str, number: int, spooled_at: str, sha256: str, size: int, kwargs: dict[str, Any]) -> Version:
        """The version a spooled put will most likely get (another writer may take the number first)."""
        return Version(
            key=key,
            version=number,
            sha256=sha256,
            size=size,
            stored_at=spooled_at,
            content_type=kwargs.get("content_type"),
            source_url=kwargs.get("source_url"),
            fetched_at=kwargs.get("fetched_at"),
            meta={**kwargs.get("meta", {}), "spooled": True},
        )

    def flush(self, blocking: bool = True) -> bool:
        """Replay spooled puts in order. True when the spool is empty afterwards.

        Non-blocking calls (from ``put``) give up while the store is known to be down, or while another
        process is flushing; ``scrapy flush`` blocks and raises if the store is still unreachable.
        """
        if blocking:  # `scrapy flush`: also clean up after killed writers, even when nothing is pending
            self._sweep_spool()
        if not self.spool.pending():
            return True
        if not blocking and time.monotonic() < self._offline_until:
            return False
        stored: list[PutResult] = []
        try:
            with self.spool.lock(blocking) as locked:
                if not locked:
                    return False
                for entry in self.spool.entries():
                    data = self.spool.read(entry)
                    kw = entry.kwargs
                    meta = {**kw.get("meta", {}), "spooled_at": entry.spooled_at}
                    try:
                        result = self._put_remote(
                            entry.key,
                            data,
                            entry.sha256,
                            kw.get("content_type"),
                            kw.get("source_url"),
                            kw.get("fetched_at"),
                            meta,
                        )
                    except S3OfflineError:
                        self._offline_until = time.monotonic() + self.retry_after
                        if blocking:
                            raise
                        return False
                    stored.append(result)
                    self.spool.remove(entry)
                    logger.info("%s: flushed spooled %s", self.uri, entry.key)
            self._offline_until = 0.0
            return not self.spool.pending()
        finally:
            self._note_edits(stored)

    def _note_edits(self, results: list[PutResult]) -> None:
        """Silent-edit events for report files whose new version waited in the spool (the archive
        pipeline could not check them while S3 was away)."""
        from crawler.edits import note_edit  # noqa: PLC0415 - edits builds on the store package

        for result in results:
            note_edit(self, result)

    def _sweep_spool(self) -> None:
        if swept := self.spool.sweep():
            logger.warning("%s: removed %d file(s) a killed process left in %s", self.uri, swept, self.spool.dir)

    def close(self) -> None:
        self._sweep_spool()
        if not self.spool.pending():
            return
        self._offline_until = 0.0  # try once more now, whatever the back-off says
        try:
            if self.flush(blocking=False):
                return
        except StoreError as exc:
            logger.error("%s: flushing the spool failed: %s", self.uri, exc)
        logger.warning(
            "%s: %d put(s) still spooled in %s; run `scrapy flush` when the store is back",
            self.uri,
            len(self.spool.entries()),
            self.spool.dir,
        )

    # ---- verification ------------------------------------------------------------------------
    def verify_chain(self) -> list[str]:
        """Problems with the ledger (empty when intact): broken chain, gaps, rewritten entries."""
        self._refresh()
        problems: list[str] = []
        chain = GENESIS
        names: list[str] = []
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._ledger_prefix}
        while True:
            page = self._call(self.client.list_objects_v2, **kwargs)
            names += [o["Key"] for o in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                break
            kwargs["ContinuationToken"] = page["NextContinuationToken"]
        with ThreadPoolExecutor(max_workers=16) as pool:
            bodies = list(pool.map(self._read_ledger_object, names))
        for n, (name, body) in enumerate(zip(names, bodies, strict=True)):
            try:
                entry = json.loads(body)
            except ValueError:
                problems.append(f"ledger entry {name}: not JSON")
                continue
            if name != self._ledger_name(n) or entry.get("seq") != n:
                problems.append(f"ledger entry {name}: expected sequence number {n} (an entry is missing)")
            expected = chain_hash(chain, entry)
            if entry.get("chain") != expected:
                problems.append(f"ledger entry {name} ({entry.get('key')} v{entry.get('version')}): chain broken")
            chain = entry.get("chain", expected)
        problems += self._rewritten_ledger_entries()
        return problems

    def _rewritten_ledger_entries(self) -> list[str]:
        """Ledger objects with more than one S3 version: someone overwrote history (the bucket kept it)."""
        counts: dict[str, int] = defaultdict(int)
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._ledger_prefix}
        while True:
            page = self._call(self.client.list_object_versions, **kwargs)
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                counts[item["Key"]] += 1
            if not page.get("IsTruncated"):
                break
            kwargs["KeyMarker"] = page.get("NextKeyMarker")
            kwargs["VersionIdMarker"] = page.get("NextVersionIdMarker")
        return [
            f"ledger entry {name} was overwritten or deleted ({n} S3 versions)"
            for name, n in sorted(counts.items())
            if n > 1
        ]

    def check_metadata(self, version: Version) -> str | None:
        """A problem with the object's own metadata for ``version`` (None when it matches the ledger)."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self._object_key(version.key)}
        if version.backend_id:
            kwargs["VersionId"] = version.backend_id
        try:
            head = self._call(self.client.head_object, **kwargs)
        except ClientError as exc:
            return f"{version.key} v{version.version}: object version {version.backend_id} missing ({exc})"
        recorded = head.get("Metadata", {}).get("sha256")
        if recorded != version.sha256:
            return f"{version.key} v{version.version}: object metadata sha256 {recorded} != ledger {version.sha256}"
        if head.get("ContentLength") != version.size:
            return f"{version.key} v{version.version}: size {head.get('ContentLength')} != ledger {version.size}"
        return None

    def lock_path(self, name: str) -> Path:
        """A local lock beside this store's spool. S3 has no lock that the kernel releases when its holder
        dies, so this serialises only the processes of one machine that share ``NIANBAO_SPOOL``: two
        machines (or two spool folders) crawling one bucket are not kept apart."""
        return self.spool.dir / "locks" / f"{name}.lock"

    def pending(self) -> int:
        """How many puts wait in the spool."""
        return len(self.spool.entries())

    def spooled(self) -> list[str]:
        return [entry.key for entry in self.spool.entries()]

    def spooled_bytes(self, key: str) -> bytes:
        found = [entry for entry in self.spool.entries() if entry.key == key]
        if not found:
            raise StoreError(f"no spooled write of {key!r} in {self.spool.dir}")
        return self.spool.read(found[-1])
