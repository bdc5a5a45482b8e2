/* Cheap DICOM detection from a file's first bytes, so that folders of other files stay fast. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dcm_int.h"
#include "qc/i18n.h"

#define HEAD_LEN 132 /* preamble (128) and "DICM" */

static bool known_vr(const unsigned char *p)
{
	static const char vrs[] =
	    "AEASATCSDADSDTFLFDISLOLTOBODOFOLOVOWPNSHSLSQSSSTSVTMUCUIULUNURUSUTUV";
	for (size_t i = 0; i + 1 < sizeof(vrs); i += 2)
		if (p[0] == (unsigned char)vrs[i] && p[1] == (unsigned char)vrs[i + 1])
			return true;
	return false;
}

static unsigned read_u16(const unsigned char *p, bool big)
{
	return big ? (unsigned)(p[0] << 8 | p[1]) : (unsigned)(p[1] << 8 | p[0]);
}

static unsigned long read_u32(const unsigned char *p, bool big)
{
	if (big)
		return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
		       (unsigned long)p[2] << 8 | p[3];
	return (unsigned long)p[3] << 24 | (unsigned long)p[2] << 16 | (unsigned long)p[1] << 8 |
	       p[0];
}

/*
 * A bare dataset starts with a group 0x0002 or 0x0008 element (SOP Class UID and friends are
 * mandatory and come first); its VR is a real VR (explicit) or its length fits in the file
 * (implicit). Anything else is not worth handing to the parser.
 */
static bool plausible_raw(const unsigned char *h, size_t n, unsigned long long file_size)
{
	if (n < 8)
		return false;
	for (int big = 0; big <= 1; big++) {
		unsigned group = read_u16(h, big);
		if (group != 0x0002 && group != 0x0008)
			continue;
		if (known_vr(h + 4))
			return true;
		if (!big && read_u32(h + 4, false) <= file_size - 8)
			return true;
	}
	return false;
}

enum dcm_kind dcm_sniff_bytes(const unsigned char *head, size_t n, unsigned long long file_size)
{
	if (n >= HEAD_LEN && memcmp(head + 128, "DICM", 4) == 0)
		return DCM_KIND_PART10;
	return plausible_raw(head, n, file_size) ? DCM_KIND_RAW : DCM_KIND_NONE;
}

enum qc_status dcm_sniff_file(const char *path, enum dcm_kind *kind)
{
	unsigned char head[HEAD_LEN];
	struct stat sb;
	ssize_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*kind = DCM_KIND_NONE;
	if (fd < 0)
		return qc_fail(errno == ENOENT ? QC_ERR_NOT_FOUND : QC_ERR_IO,
			       _("cannot open '%s': %s"), path, qc_errno_text(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return qc_fail(QC_ERR_IO, _("cannot read '%s': not a regular file"), path);
	}
	while ((size_t)got < sizeof(head)) {
		ssize_t r = read(fd, head + got, sizeof(head) - (size_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return qc_fail(QC_ERR_IO, _("cannot read '%s': %s"), path,
				       qc_errno_text(e));
		}
		if (r == 0)
			break;
		got += r;
	}
	close(fd);
	*kind = dcm_sniff_bytes(head, (size_t)got, (unsigned long long)sb.st_size);
	return QC_OK;
}
