# -*- coding: utf-8 -*-
# Copyright: pwman.secrets contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenPGP operations through GnuPG (python-gnupg), in a private throw-away keyring.

Every GpgContext gets its own GNUPGHOME (mode 0700): the user's own keyring is never read or
written. Homes live in one of three documented places (home_candidates(); a memory file system
private to the user when there is one), never elsewhere, and every secret key in them is
passphrase-protected: the user's passphrase, or a random one held only in this process's memory.
Passphrases reach gpg on its standard input (`--passphrase-fd 0` with `--pinentry-mode loopback`),
never on a command line. close() (also run at interpreter exit) kills the home's gpg-agent and
removes the home. Its owner holds a lock (flock) on the home for as long as it lives: a home whose
lock is free belonged to a process killed outright and is removed by the next context or agent,
whatever PID namespace either lives in. Its name starts with the owner's pid and start time.
"""

from __future__ import annotations

import atexit
import errno
import fcntl
import functools
import os
import re
import secrets
import shutil
import signal
import stat
import struct
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.pwman.secrets.plugins.module_utils._agent_wire import process_started
from ansible_collections.pwman.secrets.plugins.module_utils._runtime_dir import untrusted_reason
from ansible_collections.pwman.secrets.plugins.module_utils._errors import ConfigError, PwmanError

_LIVE = {}
_LIVE_LOCK = threading.Lock()
MAX_PARALLEL = 4


class GpgError(PwmanError):
    """An OpenPGP operation failed (bad key, wrong passphrase, bad message, bad signature)."""


def import_gnupg():
    try:
        import gnupg  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise ConfigError(
            "The Python library 'python-gnupg' is required on the host running this plugin "
            "(pip install python-gnupg), and the gpg program (GnuPG 2.1 or later): %s" % exc
        ) from None
    return gnupg


def normalize_fingerprint(value):
    """Fingerprints compare case-insensitively and without spaces or colons."""
    if value is None:
        return ""
    return "".join(ch for ch in str(value) if ch not in " \t\r\n:").upper()


def _find_binary(name, override=None):
    if override:
        return override
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"):
        candidate = os.path.join(folder, name)
        if os.access(candidate, os.X_OK):
            return candidate
    return name


def _kill_agent(home, gpgconf):
    env = dict(os.environ)
    env["GNUPGHOME"] = home
    try:
        subprocess.run([gpgconf, "--homedir", home, "--kill", "gpg-agent"], env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        pass


def _cleanup_home(home, gpgconf):
    if home and os.path.isdir(home):
        _kill_agent(home, gpgconf)
        shutil.rmtree(home, ignore_errors=True)


# -- where homes live ---------------------------------------------------------------------------
MEMORY_FILE_SYSTEMS = ("tmpfs", "ramfs")
_HOME_NAME = re.compile(r"^(\d+)-(\d+)-")
_DRAFT = ".draft-"
DRAFT_AGE = 60


def _private_dir(path):
    """(`path`, None) when it is, or could be made, a 0700 directory of this user in a trusted parent;
    else (None, why not)."""
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        return None, "%s does not exist" % parent
    reason = untrusted_reason(parent)
    if reason:
        return None, reason
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        return None, "cannot create it: %s" % exc.strerror
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        return None, "it is not a directory"
    if info.st_uid != os.getuid():
        return None, "it is owned by uid %d" % info.st_uid
    if info.st_mode & 0o022:
        return None, "it is writable by others"
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path, None


def home_candidates():
    """Where homes may live, in order of preference (docs/security.md): $XDG_RUNTIME_DIR/pwman-gpg,
    /dev/shm/pwman-gpg-<uid> (memory file systems: private keys never reach a disk), $TMPDIR/pwman-gpg-<uid>."""
    uid = os.getuid()
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    return ([os.path.join(xdg, "pwman-gpg")] if xdg else []) + [
        "/dev/shm/pwman-gpg-%d" % uid, os.path.join(tempfile.gettempdir(), "pwman-gpg-%d" % uid)]


def home_base():
    """The first documented place that is this user's alone, or None."""
    for candidate in home_candidates():
        if _private_dir(candidate)[0]:
            return candidate
    return None


def _no_home_base():
    reasons = ["%s (%s)" % (candidate, _private_dir(candidate)[1]) for candidate in home_candidates()]
    if not os.environ.get("XDG_RUNTIME_DIR"):
        reasons.insert(0, "$XDG_RUNTIME_DIR/pwman-gpg (XDG_RUNTIME_DIR is not set)")
    return ConfigError("No private directory for the temporary GnuPG home: %s. Set XDG_RUNTIME_DIR or TMPDIR to a "
                       "directory only you can write." % "; ".join(reasons))


def on_memory_file_system(path):
    """True when `path` is on tmpfs/ramfs (from /proc/self/mountinfo: the longest mount point above it)."""
    path = os.path.realpath(path)
    best, fstype = "", None
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            for line in handle:
                fields = line.split()
                mount_point = fields[4].replace("\\040", " ")
                kind = fields[fields.index("-") + 1]
                if (path == mount_point or path.startswith(mount_point.rstrip("/") + "/")) and len(mount_point) >= len(best):
                    best, fstype = mount_point, kind
    except (OSError, ValueError, IndexError):
        return False
    return fstype in MEMORY_FILE_SYSTEMS


def _lock_home(path):
    """A descriptor that holds the lock of the home `path`, or None when its owner holds it (or it is gone)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return None
        raise
    return fd


def remove_stale_homes(gpgconf=None):
    """Remove the homes (and gpg-agents) of processes that are gone, in every documented place of this user.

    A home is alive while its owner holds its lock; a home whose lock is free is kept only while a process
    with its owner's pid and start time runs (a home made by a version that took no lock).
    """
    gpgconf = gpgconf or _find_binary("gpgconf")
    removed = 0
    for base in home_candidates():
        info = os.lstat(base) if os.path.lexists(base) else None
        if info is None or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        for name in os.listdir(base):
            match = _HOME_NAME.match(name)
            draft = name.startswith(_DRAFT)
            if not match and not draft:
                continue
            path = os.path.join(base, name)
            fd = _lock_home(path)
            if fd is None:
                continue
            try:
                if draft:  # left by a process killed while making it (a young one may be just made: not yet locked)
                    dead = time.time() - os.lstat(path).st_mtime > DRAFT_AGE
                else:
                    dead = process_started(int(match.group(1))) != match.group(2)
                if dead:
                    _cleanup_home(path, gpgconf)
                    removed += 1
            except OSError:
                pass
            finally:
                os.close(fd)
    return removed


def _make_home():
    """A new home in the first documented place, locked by this process for as long as it lives: (path, lock)."""
    base = home_base()
    if not base:
        raise _no_home_base()
    pid = os.getpid()
    # Made and locked under a name the sweeper passes by, then given its owner's name: no sweeper ever sees it unlocked.
    draft = tempfile.mkdtemp(prefix=_DRAFT, dir=base)
    fd = os.open(draft, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    home = os.path.join(base, "%d-%s-%s" % (pid, process_started(pid) or "0", os.path.basename(draft)[len(_DRAFT):]))
    os.rename(draft, home)
    os.chmod(home, 0o700)
    return home, fd


@atexit.register
def _cleanup_all():
    with _LIVE_LOCK:
        items = list(_LIVE.items())
        _LIVE.clear()
    for home, gpgconf in items:
        _cleanup_home(home, gpgconf)


_PREVIOUS_HANDLERS = {}


def _on_signal(signum, frame):
    """SIGTERM/SIGINT/SIGHUP: remove the live homes first (atexit does not run when a signal kills
    the process, nor in ansible's forked workers), then do what the previous handler did.
    Other signals are ignored meanwhile (ansible-playbook follows SIGINT with SIGTERM): the cleanup completes."""
    for other in _PREVIOUS_HANDLERS:
        signal.signal(other, signal.SIG_IGN)
    _cleanup_all()
    for other, handler in _PREVIOUS_HANDLERS.items():
        if other != signum:
            signal.signal(other, handler if handler is not None else signal.SIG_DFL)
    previous = _PREVIOUS_HANDLERS.get(signum)
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _hook_signals():
    """Chain _on_signal in front of the current handlers, once per process (main thread only)."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        try:
            current = signal.getsignal(signum)
            if current is _on_signal or current == signal.SIG_IGN:  # pylint: disable=comparison-with-callable
                continue
            signal.signal(signum, _on_signal)
        except (ValueError, OSError, AttributeError):
            return  # not the main thread (the lookup agent): atexit and close() still apply
        _PREVIOUS_HANDLERS[signum] = current


@functools.lru_cache(maxsize=None)
def _gpg_class(gnupg):
    """python-gnupg's GPG with one `gpg --decrypt` process started ahead of need (made once gnupg is imported)."""
    class SpareDecrypterGPG(gnupg.GPG):
        """Starting gpg (exec, libraries, options) is half of a small decryption's ~6 ms. So one
        `gpg --decrypt` waits on its stdin for the next message; the decryption that takes it starts
        the next one in the background. A spare that was never used exits when its stdin closes."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._spare = None
            self._spare_lock = threading.Lock()
            self._spare_stopped = False
            self._spare_starting = False
            self._spare_thread = None

        def _open_subprocess(self, args, passphrase=False):
            if "--decrypt" not in args:
                return super()._open_subprocess(args, passphrase)
            cmd = self.make_args(args, passphrase)
            with self._spare_lock:
                spare, self._spare = self._spare, None
                start = not self._spare_starting and not self._spare_stopped
                self._spare_starting = self._spare_starting or start
            if start:  # one at a time: parallel decryptions do not each start a spare
                self._spare_thread = threading.Thread(target=self._start_spare, args=(args, passphrase),
                                                      daemon=True)
                self._spare_thread.start()
            if spare is not None and spare.args == cmd and spare.poll() is None:
                return spare
            _discard(spare)
            return super()._open_subprocess(args, passphrase)

        def _start_spare(self, args, passphrase):
            try:
                process = super()._open_subprocess(args, passphrase)
            except OSError:
                process = None
            with self._spare_lock:
                self._spare_starting = False
                if self._spare_stopped or self._spare is not None:
                    extra, process = process, None
                else:
                    self._spare, extra = process, None
            _discard(extra)

        def _read_response(self, stream, result):
            """gpg's status lines read as bytes (python-gnupg decodes them as UTF-8 and its reader thread dies
            on the first line that is not: openpgp.js's binary salt notation in NOTATION_DATA). A line that
            python-gnupg cannot handle marks the result incomplete; the rest is still drained."""
            raw = getattr(stream, "stream", stream)  # python-gnupg's codec reader wraps the byte pipe
            lines = []
            try:
                for line in iter(raw.readline, b""):
                    text = line.decode("utf-8", "backslashreplace") if isinstance(line, bytes) else line
                    lines.append(text)
                    if not text.startswith("[GNUPG:] "):
                        continue
                    parts = text[9:].rstrip().split(None, 1)
                    if not parts:
                        continue
                    try:
                        result.handle_status(parts[0], parts[1] if len(parts) > 1 else "")
                    except Exception as exc:  # pylint: disable=broad-exception-caught
                        result.pwman_unread = "gpg status %s: %s" % (parts[0], type(exc).__name__)
            except (OSError, ValueError) as exc:
                result.pwman_unread = "gpg status: %s" % type(exc).__name__
            finally:
                result.stderr = "".join(lines)

        def stop_spare(self):
            """Before the home goes: a gpg started after its removal would make it again."""
            with self._spare_lock:
                self._spare_stopped = True
                spare, self._spare = self._spare, None
            starter = self._spare_thread
            if starter is not None:
                starter.join()
            _discard(spare)

    return SpareDecrypterGPG


def _discard(process):
    if process is not None:
        try:
            process.kill()
            process.communicate(timeout=5)
        except (OSError, ValueError, subprocess.SubprocessError):
            pass


def _secret_fingerprints(import_result):
    """Fingerprints that an import reports as secret keys (IMPORT_OK reason bit 16: "contains private key")."""
    found = set()
    for row in getattr(import_result, "results", None) or []:
        reason = str(row.get("ok") or "")
        if reason.isdigit() and int(reason) & 16:
            found.add(normalize_fingerprint(row.get("fingerprint")))
    return found


def signatures_of(result):
    """The signatures gpg checked while decrypting, in order, from its status lines:
    [{"status": "good"|"bad"|"unknown_key"|"error"|"expired", "fingerprint": primary key fingerprint or "",
      "key_id": long key id}]. "unknown_key": no public key here to check it (ERRSIG code 9)."""
    found = []
    current = None
    for line in (getattr(result, "stderr", "") or "").splitlines():
        if not line.startswith("[GNUPG:] "):
            continue
        parts = line[9:].split()
        if not parts:
            continue
        word = parts[0]
        if word == "NEWSIG":
            current = None
        elif word in ("GOODSIG", "BADSIG", "EXPSIG", "EXPKEYSIG", "REVKEYSIG", "ERRSIG"):
            key_id = normalize_fingerprint(parts[1]) if len(parts) > 1 else ""
            if word == "ERRSIG":
                status = "unknown_key" if len(parts) > 6 and parts[6] == "9" else "error"
            else:
                status = {"GOODSIG": "good", "BADSIG": "bad"}.get(word, "expired")
            current = {"status": status, "fingerprint": "", "key_id": key_id}
            found.append(current)
        elif word == "VALIDSIG" and current is not None and len(parts) > 1:
            current["fingerprint"] = normalize_fingerprint(parts[-1] if len(parts) > 10 else parts[1])
    return found


def _complete(result, what):
    """python-gnupg's result, or a GpgError when gpg's answer was not read whole (never a half-filled result)."""
    if result is None or getattr(result, "stderr", None) is None or getattr(result, "pwman_unread", None):
        reason = getattr(result, "pwman_unread", None) or "no status"
        raise GpgError("gpg's answer for the %s could not be read completely (%s); refusing it." % (what, reason))
    return result


def canonical_text(text):
    """Text as an OpenPGP text literal holds it: UTF-8 with CRLF line ends (openpgp.js canonicalizeEOL)."""
    return re.sub(r"\r\n|\r|\n", "\r\n", text).encode("utf-8")


def _packet(tag, body):
    """An OpenPGP packet in the new format (RFC 9580 4.2.1)."""
    size = len(body)
    if size < 192:
        head = bytes([size])
    elif size < 8384:
        head = bytes([((size - 192) >> 8) + 192, (size - 192) & 0xFF])
    else:
        head = b"\xff" + struct.pack(">I", size)
    return bytes([0xC0 | tag]) + head + body


def utf8_literal_packet(data):
    """A literal data packet of format 'u' (UTF-8 text), no file name: what openpgp.js createMessage({text}) makes."""
    return _packet(11, b"u\x00" + struct.pack(">I", int(time.time())) + data)


def _gpg_error_code(reason):
    """The gpg-error code (low 16 bits) of a `FAILURE <op> <code>` or `ERROR <op> <code>` status."""
    match = re.search(r"(?:FAILURE|ERROR) \S+ (\d+)", reason or "")
    return int(match.group(1)) & 0xFFFF if match else None


class GpgContext:
    """A private keyring holding one user's private key (plus keys it needs: server, metadata, recipients)."""

    def __init__(self, gpg_binary=None, redactor=None):
        gnupg = import_gnupg()
        self.redact = redactor or (lambda text: text)
        self.gpg_binary = _find_binary("gpg", gpg_binary)
        self.gpgconf = _find_binary("gpgconf", os.path.join(os.path.dirname(self.gpg_binary), "gpgconf")
                                    if os.path.isabs(self.gpg_binary) else None)
        _hook_signals()
        remove_stale_homes(self.gpgconf)
        self.home, self._home_lock = _make_home()
        with _LIVE_LOCK:
            _LIVE[self.home] = self.gpgconf
        with open(os.path.join(self.home, "gpg-agent.conf"), "w", encoding="ascii") as handle:
            handle.write("allow-loopback-pinentry\n")
            if on_memory_file_system(self.home):
                # A fast key derivation for the protected copies of the keys, only in a home that never
                # reaches a disk (the default calibration costs ~0.3 s per unlock).
                handle.write("s2k-count 65536\n")
        try:
            self._gpg = _gpg_class(gnupg)(gpgbinary=self.gpg_binary, gnupghome=self.home,
                                          options=["--trust-model", "always", "--no-auto-key-locate"],
                                          encoding="utf-8")
        except (OSError, ValueError) as exc:
            self.close()
            raise ConfigError("Cannot run gpg (%s): %s" % (self.gpg_binary, exc)) from None
        self._gpg.encoding = "utf-8"
        self.user_fingerprint = None
        self._passphrase = None
        self._protected = set()  # fingerprints of the keys imported without a passphrase and given the home's
        self._warm_up = None
        self._closed = False

    # -- life cycle -----------------------------------------------------------------
    def close(self):
        self._wait_warm_up()
        gpg = getattr(self, "_gpg", None)
        if gpg is not None:
            gpg.stop_spare()
        home = getattr(self, "home", None)
        if home:
            with _LIVE_LOCK:
                _LIVE.pop(home, None)
            _cleanup_home(home, self.gpgconf)
        lock, self._home_lock = getattr(self, "_home_lock", None), None
        if lock is not None:
            os.close(lock)  # after the removal: no sweeper takes the home for a dead one's meanwhile
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- keys -----------------------------------------------------------------------
    def scan_key(self, armored):
        """Fingerprints (primary keys) of an armored key block, without importing it."""
        try:
            found = _complete(self._gpg.scan_keys_mem(armored), "key scan")
        except (AttributeError, ValueError, OSError, GpgError):
            return []
        return [normalize_fingerprint(k.get("fingerprint")) for k in found if k.get("fingerprint")]

    def import_public_key(self, armored, what="public key"):
        """Import an armored public key; returns its primary fingerprint."""
        if not armored or "BEGIN PGP" not in str(armored):
            raise GpgError("The %s is not an armored OpenPGP key." % what)
        result = _complete(self._gpg.import_keys(armored), what)
        fingerprints = [normalize_fingerprint(f) for f in (result.fingerprints or []) if f]
        if not fingerprints:
            raise GpgError("Could not import the %s: %s" % (what, self._why(result) or "gpg found no key in it"))
        return fingerprints[0]

    def import_public_keys(self, armored_keys):
        """Import many armored public keys with one gpg run; returns the primary fingerprints imported.
        Blocks gpg cannot read are skipped (they sign nothing here)."""
        blocks = [str(k).strip() for k in armored_keys if k and "BEGIN PGP PUBLIC KEY BLOCK" in str(k)]
        if not blocks:
            return set()
        result = _complete(self._gpg.import_keys("\n".join(blocks) + "\n"), "public keys")
        return {normalize_fingerprint(f) for f in (result.fingerprints or []) if f}

    def import_private_key(self, armored, passphrase, what="private key"):
        """Import an armored private key, check that the passphrase unlocks it; returns its fingerprint."""
        text = str(armored or "")
        if "BEGIN PGP PRIVATE KEY BLOCK" not in text:
            if "BEGIN PGP PUBLIC KEY BLOCK" in text:
                raise GpgError("The %s is a public key; the armored private key is needed." % what)
            raise GpgError("The %s is not an armored OpenPGP private key (-----BEGIN PGP PRIVATE KEY BLOCK-----)." % what)
        result = _complete(self._gpg.import_keys(text, passphrase=passphrase or None), what)
        fingerprints = [normalize_fingerprint(f) for f in (result.fingerprints or []) if f]
        secret = _secret_fingerprints(result)
        fingerprints = [f for f in fingerprints if f in secret]
        if not fingerprints:
            raise GpgError("Could not import the %s: %s" % (what, self._why(result) or "gpg found no usable secret key"))
        fingerprint = fingerprints[0]
        if fingerprint in self._protected and not int(getattr(result, "sec_imported", 0) or 0):
            # The same key again (a lookup agent's session reads the metadata keys in every run): it is in this
            # home already, under the home's passphrase, which gpg-agent forgets after its cache time.
            return fingerprint
        self._check_unlock(fingerprint, passphrase, what)
        if not passphrase:
            self._protect(fingerprint, what)
            self._protected.add(fingerprint)
        return fingerprint

    def _home_passphrase(self):
        """What protects this home's unprotected keys: the user's passphrase, else a random one (memory only)."""
        if not self._passphrase:
            self._passphrase = secrets.token_urlsafe(32)
        return self._passphrase

    def _protect(self, fingerprint, what):
        """Give an imported key that has no passphrase the home's passphrase (gpg-agent stores it protected)."""
        env = dict(os.environ, GNUPGHOME=self.home)
        try:
            done = subprocess.run([self.gpg_binary, "--homedir", self.home, "--batch", "--pinentry-mode", "loopback",
                                   "--passphrase-fd", "0", "--passwd", fingerprint],
                                  input=(self._home_passphrase() + "\n").encode("utf-8"), env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise GpgError("Could not protect the imported %s: %s" % (what, type(exc).__name__)) from None
        if done.returncode != 0:
            raise GpgError("Could not protect the imported %s (gpg --passwd exit %d)." % (what, done.returncode))

    def load_user_key(self, armored, passphrase):
        """The user's own key: signs and decrypts everything this context does."""
        if passphrase is not None and any(c in str(passphrase) for c in "\r\n"):
            raise ConfigError("The passphrase must not contain line breaks.")
        self._passphrase = passphrase or None
        self.user_fingerprint = self.import_private_key(armored, passphrase, "user's private key")
        return self.user_fingerprint

    def warm_up_decryption(self):
        """Unlock the user's decryption subkey in the background (idempotent).

        gpg-agent converts an imported key on its first use, with the key's own (slow) key derivation,
        once for the signing key and once for the decryption subkey: ~0.15 s each. Callers start this
        when they are about to wait for the server anyway; every decryption waits for it to finish.
        """
        if self._warm_up is None and self.user_fingerprint:
            def probe():
                text = "pwman decryption check"
                try:
                    self._decrypt_now(self.encrypt(text, [self.user_fingerprint], sign=False, what="probe"), "probe")
                except GpgError:
                    pass  # the real decryption reports it

            self._warm_up = threading.Thread(target=probe, daemon=True)
            self._warm_up.start()

    def _wait_warm_up(self):
        if self._warm_up is not None:
            self._warm_up.join()

    def _check_unlock(self, fingerprint, passphrase, what):
        result = _complete(self._gpg.sign("pwman passphrase check", keyid=fingerprint, passphrase=passphrase or None,
                                          detach=True, clearsign=False), what)
        if result and getattr(result, "data", None):
            return
        reason = self._why(result)
        if not passphrase:
            raise GpgError("The %s needs a passphrase and none was given." % what)
        if _gpg_error_code(reason) in (11, 99, 177) or "passphrase" in reason.lower():
            raise GpgError("Wrong passphrase for the %s." % what)
        raise GpgError("The %s is not usable for signing: %s" % (what, reason))

    # -- operations -----------------------------------------------------------------
    def decrypt(self, message, what="message"):
        """Decrypt one armored message with whatever secret key of this keyring fits; returns text."""
        return self._decrypt(message, what)[0]

    def decrypt_many(self, messages, what="message"):
        """Decrypt several messages (same agent, a few gpg processes at a time); keeps the order."""
        return [text for text, dummy in self.decrypt_many_signed(messages, what)]

    def decrypt_signed(self, message, what="message"):
        """Decrypt one message; returns (text, signatures) - see `signatures_of`."""
        text, result = self._decrypt(message, what, bad_signature_ok=True)
        return text, signatures_of(result)

    def decrypt_many_signed(self, messages, what="message", errors=None):
        """`decrypt_signed` for several messages (a few gpg processes at a time); keeps the order.
        With an `errors` list, a message that cannot be decrypted gives (None, []) and its reason is put in
        `errors` at its position (None for the others) instead of stopping the others."""
        messages = list(messages)
        if errors is not None:
            errors[:] = [None] * len(messages)
        if len(messages) <= 1:
            return [self._decrypt_one(m, what, errors, i) for i, m in enumerate(messages)]
        # Parallel decryptions must not all unlock the subkey at once.
        self.warm_up_decryption()

        def one(message):
            try:
                return self.decrypt_signed(message, what)
            except GpgError:
                return None  # tried again below, alone

        with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(messages))) as pool:
            results = list(pool.map(one, messages))
        return [self._decrypt_one(m, what, errors, i) if r is None else r for i, (m, r) in enumerate(zip(messages, results))]

    def _decrypt_one(self, message, what, errors, index):
        try:
            return self.decrypt_signed(message, what)
        except GpgError as exc:
            if errors is None:
                raise
            errors[index] = str(exc)
            return None, []

    def encrypt_text(self, text, recipients, signers=None, what="message"):
        """Encrypt text as Passbolt's browser extension writes it (openpgp.js 6, createMessage({text})): a UTF-8
        literal data packet in canonical form, with one text signature (class 0x01) per key of `signers`
        (fingerprints of secret keys here; default: the user's), in that order, so a verifier that keeps the last
        good signature sees the last signer. Keys other than the user's must be unlocked already (their import
        checks that). gpg writes only binary or 't' literal data, so the signed packets are put together here
        (signatures, then the literal data: RFC 9580 10.3) and gpg encrypts them as they are (--no-literal)."""
        if not recipients:
            raise GpgError("No recipient to encrypt the %s to." % what)
        signers = [self.user_fingerprint] if signers is None else list(signers)
        if not all(signers):
            raise GpgError("No user key loaded to sign the %s." % what)
        data = canonical_text(text)
        packets = b""
        if signers:
            extra = ["--textmode", "--no-rfc2440-text"]
            if len(signers) > 1:
                # Signatures before the literal data (no one-pass packets) are checked with one digest: gpg
                # verifies only those of the first signature's digest algorithm (an RSA key's SHA512, an ed25519
                # key's SHA256), silently skipping the others. SHA512 suits every key type.
                extra += ["--digest-algo", "SHA512"]
            for signer in signers:
                extra += ["--local-user", normalize_fingerprint(signer)]
            signed = _complete(self._gpg.sign(data, keyid=normalize_fingerprint(signers[0]), passphrase=self._passphrase,
                                              detach=True, binary=True, clearsign=False, extra_args=extra), what)
            if not signed.data:
                raise GpgError("Could not sign the %s: %s" % (what, self._why(signed)))
            packets = signed.data
        packets += utf8_literal_packet(data)
        result = _complete(self._gpg.encrypt(packets, list(recipients), armor=True, always_trust=True,
                                             extra_args=["--no-literal", "--compress-algo", "none"]), what)
        if not result.ok or not result.data:
            raise GpgError("Could not encrypt the %s: %s" % (what, self._why(result)))
        return result.data.decode("ascii")

    def decrypt_verify(self, message, signer_fingerprint, what="message"):
        """Decrypt and require a good signature by `signer_fingerprint` (primary key or subkey)."""
        text, result = self._decrypt(message, what)
        expected = normalize_fingerprint(signer_fingerprint)
        signers = {normalize_fingerprint(getattr(result, "pubkey_fingerprint", None)),
                   normalize_fingerprint(getattr(result, "fingerprint", None))}
        if not getattr(result, "valid", False) or expected not in signers:
            raise GpgError("The %s is not signed by the expected key %s; refusing it." % (what, expected))
        return text

    def encrypt(self, plaintext, recipients, sign=True, what="message"):
        """Encrypt to `recipients` (fingerprints of imported keys), signed with the user's key by default."""
        if not recipients:
            raise GpgError("No recipient to encrypt the %s to." % what)
        kwargs = {"armor": True, "always_trust": True}
        if sign:
            if not self.user_fingerprint:
                raise GpgError("No user key loaded to sign the %s." % what)
            kwargs["sign"] = self.user_fingerprint
            kwargs["passphrase"] = self._passphrase
        if isinstance(plaintext, str):
            plaintext = plaintext.encode("utf-8")
        result = _complete(self._gpg.encrypt(plaintext, list(recipients), **kwargs), what)
        if not result.ok or not result.data:
            raise GpgError("Could not encrypt the %s: %s" % (what, self._why(result)))
        return result.data.decode("ascii")

    def sign_clear(self, text):
        result = _complete(self._gpg.sign(text, keyid=self.user_fingerprint, passphrase=self._passphrase, clearsign=True),
                           "signature")
        if not result.data:
            raise GpgError("Could not sign: %s" % self._why(result))
        return result.data.decode("utf-8")

    def verify(self, signed, signer_fingerprint=None):
        """Verify a signed (inline or clearsigned) message; returns the signer's primary fingerprint."""
        result = _complete(self._gpg.verify(signed), "signed message")
        if not result.valid:
            raise GpgError("Bad or missing signature: %s" % self._why(result))
        found = normalize_fingerprint(getattr(result, "pubkey_fingerprint", None) or result.fingerprint)
        if signer_fingerprint and normalize_fingerprint(signer_fingerprint) not in (
                found, normalize_fingerprint(result.fingerprint)):
            raise GpgError("The signature is by %s, not by the expected key %s." % (found, signer_fingerprint))
        return found

    # -- internals ------------------------------------------------------------------
    def _decrypt(self, message, what, bad_signature_ok=False):
        self._wait_warm_up()
        return self._decrypt_now(message, what, bad_signature_ok)

    def _decrypt_now(self, message, what, bad_signature_ok=False):
        if not message or "BEGIN PGP MESSAGE" not in str(message):
            raise GpgError("The %s is not an armored OpenPGP message." % what)
        result = _complete(self._gpg.decrypt(str(message), passphrase=self._passphrase, always_trust=True), what)
        # python-gnupg reports a decrypted message with a bad signature as not ok: the caller judges it.
        status = result.stderr
        decrypted_badly_signed = bad_signature_ok and "[GNUPG:] BADSIG" in status \
            and "[GNUPG:] PLAINTEXT" in status and "DECRYPTION_FAILED" not in status
        if not result.ok and not decrypted_badly_signed:
            reason = self._why(result)
            low = reason.lower()
            if "passphrase" in low or _gpg_error_code(reason) == 11:
                raise GpgError("Cannot decrypt the %s: wrong passphrase." % what)
            if "no secret key" in low or "no_seckey" in low:
                raise GpgError("Cannot decrypt the %s: it is not encrypted to a key this user holds." % what)
            raise GpgError("Cannot decrypt the %s: %s" % (what, reason))
        try:
            return result.data.decode("utf-8"), result
        except UnicodeDecodeError:
            raise GpgError("The decrypted %s is not UTF-8 text." % what) from None

    def _why(self, result):
        """A short, safe reason from a python-gnupg result (status, or the last error line of stderr)."""
        if result is None:
            return "no result"
        status = getattr(result, "status", None) or ""
        lines = [ln for ln in (getattr(result, "stderr", "") or "").splitlines()
                 if ln.startswith("[GNUPG:]") and any(k in ln for k in (
                     "BAD_PASSPHRASE", "NO_SECKEY", "DECRYPTION_FAILED", "NO_PUBKEY", "KEYEXPIRED",
                     "KEYREVOKED", "INV_RECP", "INV_SGNR", "FAILURE", "ERROR", "MISSING_PASSPHRASE", "BADSIG",
                     "PINENTRY"))]
        detail = "; ".join(ln.replace("[GNUPG:] ", "") for ln in lines[:3])
        text = ", ".join(x for x in (status, detail) if x)
        return str(self.redact(text)) or "gpg failed"
