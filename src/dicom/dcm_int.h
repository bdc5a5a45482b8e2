/* Private to src/dicom: file sniffing and pixel decoding shared by the C++ bridge and the C side.
 */
#ifndef DCM_INT_H
#define DCM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "qc/core.h"
#include "qc/image.h"

#ifdef __cplusplus
extern "C" {
#endif

enum dcm_kind {
	DCM_KIND_NONE,	 /* not DICOM (or empty) */
	DCM_KIND_PART10, /* preamble and "DICM" */
	DCM_KIND_RAW,	 /* a bare dataset, no file meta (e.g. pylinac's Winston-Lutz files) */
};

/* Looks at the first bytes of a file of size file_size; never reads beyond n. */
enum dcm_kind dcm_sniff_bytes(const unsigned char *head, size_t n, unsigned long long file_size);
/* Opens path and sniffs it; fails (with a message naming path) only when it cannot be read. */
enum qc_status dcm_sniff_file(const char *path, enum dcm_kind *kind);

/* Copies a text value as UTF-8: kept when it already is valid UTF-8, else read as ISO 8859-1
 * (what European devices write, declared or not). Cuts on a character boundary to fit size. */
void dcm_text_to_utf8(char *dst, size_t size, const char *src);
bool dcm_text_is_ascii(const char *s); /* NULL counts as ASCII */

/* A file being written: all or nothing (see atomic.c). Errors name path; a full disk or a file
 * size limit gives QC_ERR_FULL. After a failed write, call dcm_atomic_abort(). */
struct dcm_atomic {
	int fd;
	char *tmp;	  /* owned: the temporary's name */
	const char *path; /* borrowed: the final name */
};
enum qc_status dcm_atomic_open(struct dcm_atomic *a, const char *path);
enum qc_status dcm_atomic_write(struct dcm_atomic *a, const void *data, size_t n);
enum qc_status dcm_atomic_commit(struct dcm_atomic *a); /* removes the temporary on failure */
void dcm_atomic_abort(struct dcm_atomic *a);

enum dcm_sample_kind { DCM_SAMPLE_INT, DCM_SAMPLE_F32, DCM_SAMPLE_F64 };

/* Stored pixel values as the bridge found them, ready to be turned into a qc_image. */
struct dcm_raw {
	enum dcm_sample_kind kind;
	/* borrowed. Integers: little-endian byte stream (bit-packed when bits_allocated is 1).
	 * Floats: host-order float or double values. */
	const unsigned char *data;
	size_t len; /* bytes in data */
	int rows, cols, frames, samples, planar;
	int bits_allocated, bits_stored, high_bit;
	bool is_signed;
	/* 32-bit values whose 16-bit halves arrive swapped: big-endian files whose pixel data DCMTK
	 * treats as OW and swaps word by word. */
	bool swap_halves;
	/* Luminance from RGB (true) or the first sample (YBR_FULL: Y is already the luminance). */
	bool rgb;
	const double *slope, *intercept; /* borrowed: one per frame */
};

/* Bytes the stored values need; 0 when the layout is impossible or absurdly large. */
size_t dcm_raw_needed(const struct dcm_raw *raw);

/*
 * Fills img->px (rescaled), img->valid, img->stored_max and the size fields from raw; img must
 * be zeroed except tags and geometry. Dies on out-of-memory only.
 */
void dcm_decode_pixels(const struct dcm_raw *raw, struct qc_image *img);

#ifdef __cplusplus
}
#endif

#endif
