/* All-or-nothing file writes: a hidden temporary in the target's folder, renamed when complete. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* rename */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dcm_int.h"
#include "qc/i18n.h"

static enum qc_status fail_errno(const char *path, int e)
{
	bool full = e == ENOSPC || e == EFBIG || e == EDQUOT;

	return qc_fail(full ? QC_ERR_FULL : QC_ERR_IO, _("cannot write '%s': %s"), path,
		       qc_errno_text(e));
}

/* The dot keeps folder scans away from half-written files; rename() is atomic in one folder. */
enum qc_status dcm_atomic_open(struct dcm_atomic *a, const char *path)
{
	static unsigned counter;
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path + 1) : 0;

	a->path = path;
	a->tmp = NULL;
	for (int tries = 0; tries < 100; tries++) {
		free(a->tmp);
		a->tmp = qc_xasprintf("%.*s.%s.%ld.%u.tmp", dir_len, path, path + dir_len,
				      (long)getpid(), ++counter);
		a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (a->fd >= 0)
			return QC_OK;
		if (errno != EEXIST)
			break;
	}
	int e = errno;
	free(a->tmp);
	a->tmp = NULL;
	return fail_errno(path, e);
}

enum qc_status dcm_atomic_write(struct dcm_atomic *a, const void *data, size_t n)
{
	const char *c = data;
	while (n > 0) {
		ssize_t w = write(a->fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return fail_errno(a->path, w < 0 ? errno : EIO);
		c += w;
		n -= (size_t)w;
	}
	return QC_OK;
}

void dcm_atomic_abort(struct dcm_atomic *a)
{
	if (a->fd >= 0)
		close(a->fd);
	if (a->tmp)
		unlink(a->tmp);
	free(a->tmp);
	a->tmp = NULL;
	a->fd = -1;
}

enum qc_status dcm_atomic_commit(struct dcm_atomic *a)
{
	enum qc_status st = QC_OK;

	/* Data on disk before the name: a crash leaves the old file or the new one, never half. */
	if (fsync(a->fd) != 0)
		st = fail_errno(a->path, errno);
	if (close(a->fd) != 0 && st == QC_OK)
		st = fail_errno(a->path, errno);
	a->fd = -1;
	if (st == QC_OK && rename(a->tmp, a->path) != 0)
		st = fail_errno(a->path, errno);
	if (st != QC_OK)
		unlink(a->tmp);
	free(a->tmp);
	a->tmp = NULL;
	return st;
}
