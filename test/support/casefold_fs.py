#!/usr/bin/python3
"""A case-insensitive, case-preserving file system (as APFS and NTFS are by default) for the
case-collision tests (reliability HR11): a FUSE passthrough over a backing directory in which
every name is looked up ignoring case (an exact match first). Created names keep the case they
were given; a name that differs from an existing one only in case *is* that entry.

This machine's kernel has neither ext4 casefold nor vfat, but it has FUSE, so real git and real
tslfs run on a real case-insensitive file system here.

The layer itself never follows a symlink of the backing directory: the kernel resolves symlinks
(through readlink) exactly as it would on a real file system, so a write that lands behind a
link is the client's doing, not ours.

usage: casefold_fs.py BACKING_DIR MOUNTPOINT   (runs in the foreground; unmount to stop)
"""
import errno
import os
import sys

from fusepy import FUSE, FuseOSError, Operations

STAT_KEYS = ('st_mode', 'st_ino', 'st_nlink', 'st_uid', 'st_gid', 'st_size', 'st_atime', 'st_mtime', 'st_ctime', 'st_blocks')


def _oserror(fn):
    """Turn OSError into the errno FUSE reports."""

    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except OSError as e:
            raise FuseOSError(e.errno or errno.EIO)

    wrapped.__name__ = fn.__name__
    return wrapped


class CaseFold(Operations):
    def __init__(self, root):
        self.root = os.path.realpath(root)

    def _real(self, path):
        """The backing path for `path`, each component matched ignoring case."""
        cur = self.root
        for comp in [c for c in path.split('/') if c]:
            exact = os.path.join(cur, comp)
            if os.path.lexists(exact):
                cur = exact
                continue
            match = None
            if os.path.isdir(cur) and not os.path.islink(cur):
                folded = comp.casefold()
                for name in sorted(os.listdir(cur)):
                    if name.casefold() == folded:
                        match = name
                        break
            cur = os.path.join(cur, match if match is not None else comp)
        return cur

    @_oserror
    def getattr(self, path, fh=None):
        st = os.lstat(self._real(path))
        return {k: getattr(st, k) for k in STAT_KEYS}

    @_oserror
    def readdir(self, path, fh):
        return ['.', '..'] + os.listdir(self._real(path))

    @_oserror
    def readlink(self, path):
        return os.readlink(self._real(path))

    @_oserror
    def mkdir(self, path, mode):
        os.mkdir(self._real(path), mode)

    @_oserror
    def rmdir(self, path):
        os.rmdir(self._real(path))

    @_oserror
    def unlink(self, path):
        os.unlink(self._real(path))

    @_oserror
    def symlink(self, target, source):
        # fusepy's names: `target` is the new link, `source` what it points to.
        os.symlink(source, self._real(target))

    @_oserror
    def link(self, target, source):
        os.link(self._real(source), self._real(target), follow_symlinks=False)

    @_oserror
    def rename(self, old, new):
        src = self._real(old)
        dst = self._real(new)
        if dst == src:
            # A change of case only: the entry takes the new spelling.
            dst = os.path.join(os.path.dirname(src), os.path.basename(new))
        os.rename(src, dst)

    @_oserror
    def chmod(self, path, mode):
        # The kernel has already followed any symlink (chmod(2) does), so this is never one.
        os.chmod(self._real(path), mode)

    @_oserror
    def chown(self, path, uid, gid):
        os.lchown(self._real(path), uid, gid)

    @_oserror
    def utimens(self, path, times=None):
        os.utime(self._real(path), times, follow_symlinks=False)

    @_oserror
    def truncate(self, path, length, fh=None):
        if fh is not None:
            os.ftruncate(fh, length)
        else:
            fd = os.open(self._real(path), os.O_WRONLY | os.O_NOFOLLOW)
            try:
                os.ftruncate(fd, length)
            finally:
                os.close(fd)

    @_oserror
    def open(self, path, flags):
        return os.open(self._real(path), flags | os.O_NOFOLLOW)

    @_oserror
    def create(self, path, mode, fi=None):
        # The kernel looked the name up first (ignoring case, through getattr), so O_EXCL has
        # been honoured already; the backing open must not follow a link either.
        return os.open(self._real(path), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, mode)

    @_oserror
    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    @_oserror
    def write(self, path, data, offset, fh):
        return os.pwrite(fh, data, offset)

    @_oserror
    def flush(self, path, fh):
        return 0

    @_oserror
    def release(self, path, fh):
        os.close(fh)

    @_oserror
    def fsync(self, path, datasync, fh):
        os.fsync(fh)

    @_oserror
    def statfs(self, path):
        sv = os.statvfs(self.root)
        return {k: getattr(sv, k) for k in ('f_bavail', 'f_bfree', 'f_blocks', 'f_bsize', 'f_favail', 'f_ffree', 'f_files', 'f_flag', 'f_frsize', 'f_namemax')}


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    # No caching of names or attributes: "a.dat" and "A.dat" are one entry, which the kernel's
    # (case-sensitive) dentry cache must not paper over.
    FUSE(CaseFold(sys.argv[1]), sys.argv[2], foreground=True, nothreads=True, use_ino=True,
         entry_timeout=0, attr_timeout=0, negative_timeout=0)
