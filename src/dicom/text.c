/* DICOM text values to UTF-8, the only encoding the rest of the program (TUI, JSON, SQLite) takes.
 */
#include <stdbool.h>
#include <string.h>

#include "dcm_int.h"

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
	size_t n;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, UTF-16 surrogates and code points beyond U+10FFFF are not UTF-8. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_seq(p);
		if (!n)
			return false;
		p += n;
	}
	return true;
}

/* Copies whole characters only, so a cut never leaves half a sequence. */
static void copy_utf8(char *dst, size_t size, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t len = 0;
	while (*p) {
		size_t n = utf8_seq(p);
		if (len + n >= size)
			break;
		memcpy(dst + len, p, n);
		len += n;
		p += n;
	}
	dst[len] = '\0';
}

static void latin1_to_utf8(char *dst, size_t size, const char *src)
{
	size_t len = 0;
	for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
		size_t n = *p < 0x80 ? 1 : 2;
		if (len + n >= size)
			break;
		if (n == 1) {
			dst[len++] = (char)*p;
		} else {
			dst[len++] = (char)(0xc0 | *p >> 6);
			dst[len++] = (char)(0x80 | (*p & 0x3f));
		}
	}
	dst[len] = '\0';
}

void dcm_text_to_utf8(char *dst, size_t size, const char *src)
{
	if (!size)
		return;
	if (valid_utf8(src))
		copy_utf8(dst, size, src);
	else
		latin1_to_utf8(dst, size, src);
}

bool dcm_text_is_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		if (*p >= 0x80)
			return false;
	return true;
}
