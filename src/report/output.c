/* Atomic output of a finished report: memory stream, temporary file, fsync, rename. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qc/i18n.h"
#include "report_int.h"

#define CHUNK 65536

static bool disk_full(int err)
{
	return err == ENOSPC || err == EFBIG || err == EDQUOT;
}

static enum qc_status io_fail(const char *path, int err)
{
	if (disk_full(err))
		return qc_fail(QC_ERR_FULL, _("disk full while writing '%s'"), path);
	return qc_fail(QC_ERR_IO, _("cannot write report '%s': %s"), path, qc_errno_text(err));
}

static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return qc_xstrdup(".");
	if (slash == path)
		return qc_xstrdup("/");
	char *dir = qc_xstrdup(path);
	dir[slash - path] = '\0';
	return dir;
}

/* Why the temporary file could not be made, in the words of the folder. */
static enum qc_status create_fail(const char *path, int err)
{
	char *dir = folder_of(path);
	enum qc_status st;

	if (err == ENOENT)
		st = qc_fail(QC_ERR_IO, _("cannot write report '%s': folder '%s' does not exist"),
			     path, dir);
	else if (err == ENOTDIR)
		st = qc_fail(QC_ERR_IO, _("cannot write report '%s': '%s' is not a folder"), path,
			     dir);
	else if (err == EACCES || err == EROFS)
		st = qc_fail(QC_ERR_IO,
			     _("cannot write report '%s': cannot create files in '%s': %s"), path,
			     dir, qc_errno_text(err));
	else
		st = io_fail(path, err);
	free(dir);
	return st;
}

/* The mode of the file replaced, or what a new file would get from the umask. */
static mode_t target_mode(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) == 0)
		return sb.st_mode & 07777;
	mode_t mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Copies libharu's memory stream into fd; returns an errno value, or -1 for a libharu error. */
static int copy_stream(struct report_doc *d, int fd)
{
	HPDF_UINT32 total = HPDF_GetStreamSize(d->pdf), done = 0;
	unsigned char *buf = qc_xmalloc(CHUNK);
	int err = 0;

	if (HPDF_ResetStream(d->pdf) != HPDF_OK)
		err = -1;
	/* Asking for exactly what is left never hits the end, which libharu reports as an error. */
	while (!err && done < total) {
		HPDF_UINT32 n = total - done < CHUNK ? total - done : CHUNK;
		if (HPDF_ReadFromStream(d->pdf, buf, &n) != HPDF_OK || n == 0) {
			err = -1;
			break;
		}
		err = write_all(fd, buf, n);
		done += n;
	}
	free(buf);
	return err;
}

static void sync_folder(const char *path)
{
	char *dir = folder_of(path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	/* Best effort: the rename is done; only its durability across a power cut is at stake. */
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static enum qc_status write_tmp(struct report_doc *d, const char *path, int fd)
{
	int err = copy_stream(d, fd);
	if (err < 0) {
		if (!d->error_no)
			d->error_no = HPDF_FILE_IO_ERROR;
		report_step(d, "reading the generated document");
		return report_fail(d, path);
	}
	if (!err && fchmod(fd, target_mode(path)) != 0)
		err = errno;
	if (!err && fsync(fd) != 0)
		err = errno;
	if (err)
		return io_fail(path, err);
	return QC_OK;
}

enum qc_status report_write_file(struct report_doc *d, const char *path)
{
	report_step(d, "saving");
	if (HPDF_SaveToStream(d->pdf) != HPDF_OK || report_failed(d))
		return report_fail(d, path);

	char *tmp = qc_xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		int err = errno;
		free(tmp);
		return create_fail(path, err);
	}
	enum qc_status st = write_tmp(d, path, fd);
	if (close(fd) != 0 && st == QC_OK)
		st = io_fail(path, errno);
	if (st == QC_OK && rename(tmp, path) != 0)
		st = io_fail(path, errno);
	if (st != QC_OK)
		unlink(tmp);
	else
		sync_folder(path);
	free(tmp);
	return st;
}
