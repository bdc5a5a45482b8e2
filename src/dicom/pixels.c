/* Stored DICOM pixel values (any bit depth, sign, layout) to rescaled floats and a validity mask.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dcm_int.h"

/* 2^28 values = 1 GiB of floats: far beyond any QC image, low enough to refuse a lying header. */
#define MAX_VALUES (1ull << 28)

size_t dcm_raw_needed(const struct dcm_raw *raw)
{
	unsigned long long n;

	if (raw->rows <= 0 || raw->cols <= 0 || raw->frames <= 0 || raw->samples <= 0)
		return 0;
	n = (unsigned long long)raw->rows * (unsigned long long)raw->cols;
	n *= (unsigned long long)raw->frames * (unsigned long long)raw->samples;
	if (n > MAX_VALUES)
		return 0;
	switch (raw->kind) {
	case DCM_SAMPLE_F32: return (size_t)(n * 4);
	case DCM_SAMPLE_F64: return (size_t)(n * 8);
	case DCM_SAMPLE_INT: break;
	}
	if (raw->bits_allocated == 1)
		return (size_t)((n + 7) / 8);
	return (size_t)(n * (unsigned long long)raw->bits_allocated / 8);
}

/* The k-th stored word of the stream, before bit selection. */
static uint32_t word_at(const struct dcm_raw *raw, size_t k)
{
	const unsigned char *p = raw->data;
	uint32_t lo, hi;

	switch (raw->bits_allocated) {
	case 1: return (uint32_t)(p[k >> 3] >> (k & 7)) & 1u;
	case 8: return p[k];
	case 16: return (uint32_t)p[2 * k] | (uint32_t)p[2 * k + 1] << 8;
	default: break;
	}
	lo = (uint32_t)p[4 * k] | (uint32_t)p[4 * k + 1] << 8;
	hi = (uint32_t)p[4 * k + 2] | (uint32_t)p[4 * k + 3] << 8;
	return raw->swap_halves ? lo << 16 | hi : hi << 16 | lo;
}

struct bits {
	int shift;
	uint32_t mask;
	int64_t sign_bit; /* 0 for unsigned */
	int64_t max_stored, min_stored;
};

static struct bits bits_of(const struct dcm_raw *raw)
{
	struct bits b = {0};
	int bs = raw->bits_stored;

	if (bs <= 0 || bs > raw->bits_allocated)
		bs = raw->bits_allocated;
	/* A high bit that cannot hold the stored bits is a header error: assume the usual layout.
	 */
	b.shift = raw->high_bit + 1 - bs;
	if (b.shift < 0 || raw->high_bit >= raw->bits_allocated)
		b.shift = 0;
	b.mask = bs >= 32 ? 0xffffffffu : (1u << bs) - 1u;
	if (raw->is_signed && bs > 1) {
		b.sign_bit = (int64_t)1 << (bs - 1);
		b.max_stored = b.sign_bit - 1;
		b.min_stored = -b.sign_bit;
	} else {
		b.max_stored = (int64_t)b.mask;
	}
	return b;
}

static int64_t stored_at(const struct dcm_raw *raw, const struct bits *b, size_t k)
{
	int64_t v = (int64_t)((word_at(raw, k) >> b->shift) & b->mask);
	if (b->sign_bit && (v & b->sign_bit))
		v -= 2 * b->sign_bit;
	return v;
}

static size_t sample_index(const struct dcm_raw *raw, size_t npix, size_t f, size_t p, size_t s)
{
	size_t spp = (size_t)raw->samples;
	if (spp == 1)
		return f * npix + p;
	if (raw->planar)
		return f * npix * spp + s * npix + p;
	return (f * npix + p) * spp + s;
}

/*
 * Unread detector lines: a row or column saturated at the highest storable value in every frame.
 * A lone saturated pixel in a read line keeps its line valid.
 */
struct lines {
	unsigned char *row_full, *col_full; /* 1 or 0 (bytes, for vector code) */
	bool any;
};

static void lines_init(struct lines *l, const struct dcm_raw *raw)
{
	l->row_full = qc_xmalloc((size_t)raw->rows);
	l->col_full = qc_xmalloc((size_t)raw->cols);
	memset(l->row_full, 1, (size_t)raw->rows);
	memset(l->col_full, 1, (size_t)raw->cols);
}

static unsigned char *lines_mask(struct lines *l, int rows, int cols)
{
	unsigned char *valid = NULL;
	bool any = false;

	for (int y = 0; y < rows && !any; y++)
		any = l->row_full[y];
	for (int x = 0; x < cols && !any; x++)
		any = l->col_full[x];
	if (any) {
		valid = qc_xmalloc((size_t)rows * (size_t)cols);
		unsigned char *read_row = qc_xmalloc((size_t)cols); /* a read row's mask */
		for (int x = 0; x < cols; x++)
			read_row[x] = !l->col_full[x];
		for (int y = 0; y < rows; y++) {
			unsigned char *dst = valid + (size_t)y * (size_t)cols;
			if (l->row_full[y])
				memset(dst, 0, (size_t)cols);
			else
				memcpy(dst, read_row, (size_t)cols);
		}
		free(read_row);
	}
	free(l->row_full);
	free(l->col_full);
	return valid;
}

/* The little-endian 16-bit word x of a row. */
static inline uint32_t row_word(const unsigned char *row, size_t x)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint16_t w;
	memcpy(&w, row + 2 * x, sizeof(w));
	return w;
#else
	return (uint32_t)row[2 * x] | (uint32_t)row[2 * x + 1] << 8;
#endif
}

/* The common case of MV and MR images, unsigned 16-bit words, row by row without a call per
 * pixel (a third of the loading time otherwise). */
static void decode_mono16(const struct dcm_raw *raw, const struct bits *b, struct qc_image *img,
			  struct lines *l)
{
	size_t npix = (size_t)raw->rows * (size_t)raw->cols, cols = (size_t)raw->cols;
	uint32_t max = (uint32_t)b->max_stored, mask = b->mask;
	for (size_t f = 0; f < (size_t)raw->frames; f++) {
		double slope = raw->slope[f], icpt = raw->intercept[f];
		bool exact = raw->slope[f] == 1 && raw->intercept[f] == 0;
		const unsigned char *in = raw->data + 2 * f * npix;
		float *out = img->px + f * npix;
		/* Branch-free rows, so that the compiler can use vector instructions: the value,
		 * then whether it is the saturated one (read-out tracking). */
		for (size_t y = 0; y < (size_t)raw->rows; y++) {
			const unsigned char *src = in + 2 * y * cols;
			float *dst = out + y * cols;
			unsigned char *col_full = l->col_full;
			unsigned char row_full = 1;
			if (exact) {
				for (size_t x = 0; x < cols; x++) {
					int32_t v = (int32_t)(row_word(src, x) & mask);
					unsigned char sat = v == (int32_t)max;
					dst[x] = (float)v;
					col_full[x] = col_full[x] & sat;
					row_full &= sat;
				}
			} else {
				for (size_t x = 0; x < cols; x++) {
					int32_t v = (int32_t)(row_word(src, x) & mask);
					unsigned char sat = v == (int32_t)max;
					dst[x] = (float)((double)v * slope + icpt);
					col_full[x] = col_full[x] & sat;
					row_full &= sat;
				}
			}
			if (!row_full)
				l->row_full[y] = false;
		}
	}
}

static void decode_mono(const struct dcm_raw *raw, const struct bits *b, struct qc_image *img)
{
	size_t npix = (size_t)raw->rows * (size_t)raw->cols;
	bool track = raw->bits_stored > 1;
	struct lines l = {0};

	if (track)
		lines_init(&l, raw);
	if (track && raw->bits_allocated == 16 && b->shift == 0 && !b->sign_bit) {
		decode_mono16(raw, b, img, &l);
		img->valid = lines_mask(&l, raw->rows, raw->cols);
		return;
	}
	for (size_t f = 0; f < (size_t)raw->frames; f++) {
		double slope = raw->slope[f], icpt = raw->intercept[f];
		float *out = img->px + f * npix;
		for (size_t y = 0, p = 0; y < (size_t)raw->rows; y++) {
			bool row_full = true;
			for (size_t x = 0; x < (size_t)raw->cols; x++, p++) {
				int64_t v = stored_at(raw, b, f * npix + p);
				out[p] = (float)((double)v * slope + icpt);
				if (track && v != b->max_stored) {
					row_full = false;
					l.col_full[x] = false;
				}
			}
			if (track && !row_full)
				l.row_full[y] = false;
		}
	}
	if (track)
		img->valid = lines_mask(&l, raw->rows, raw->cols);
}

/* Colour to one grey value: ITU-R BT.601 luma, which is what a viewer shows as brightness. */
static void decode_colour(const struct dcm_raw *raw, const struct bits *b, struct qc_image *img)
{
	size_t npix = (size_t)raw->rows * (size_t)raw->cols;

	for (size_t f = 0; f < (size_t)raw->frames; f++) {
		float *out = img->px + f * npix;
		for (size_t p = 0; p < npix; p++) {
			double s0 = (double)stored_at(raw, b, sample_index(raw, npix, f, p, 0));
			if (raw->rgb) {
				double s1 =
				    (double)stored_at(raw, b, sample_index(raw, npix, f, p, 1));
				double s2 =
				    (double)stored_at(raw, b, sample_index(raw, npix, f, p, 2));
				s0 = 0.299 * s0 + 0.587 * s1 + 0.114 * s2;
			}
			out[p] = (float)s0;
		}
	}
}

static void decode_float(const struct dcm_raw *raw, struct qc_image *img)
{
	size_t npix = (size_t)raw->rows * (size_t)raw->cols;
	double top = -DBL_MAX;

	for (size_t f = 0; f < (size_t)raw->frames; f++) {
		for (size_t p = 0; p < npix; p++) {
			size_t k = f * npix + p;
			double v;
			if (raw->kind == DCM_SAMPLE_F32) {
				float fv;
				memcpy(&fv, raw->data + 4 * k, sizeof(fv));
				v = fv;
			} else {
				memcpy(&v, raw->data + 8 * k, sizeof(v));
			}
			v = v * raw->slope[f] + raw->intercept[f];
			img->px[k] = (float)v;
			if (isfinite(v) && v > top)
				top = v;
		}
	}
	/* Floats have no storable maximum; the data's own maximum is the useful ceiling. */
	img->stored_max = top > -DBL_MAX ? top : 0;
}

void dcm_decode_pixels(const struct dcm_raw *raw, struct qc_image *img)
{
	size_t npix = (size_t)raw->rows * (size_t)raw->cols;
	struct bits b;

	img->width = raw->cols;
	img->height = raw->rows;
	img->frames = raw->frames;
	img->px = qc_xmalloc_big(npix * (size_t)raw->frames * sizeof(float));
	if (raw->kind != DCM_SAMPLE_INT) {
		decode_float(raw, img);
		return;
	}
	b = bits_of(raw);
	if (raw->samples > 1) {
		decode_colour(raw, &b, img);
		img->stored_max = (double)b.max_stored;
		return;
	}
	decode_mono(raw, &b, img);
	img->stored_max = fmax((double)b.max_stored * raw->slope[0] + raw->intercept[0],
			       (double)b.min_stored * raw->slope[0] + raw->intercept[0]);
}
