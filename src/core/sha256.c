/* SHA-256 (FIPS 180-4) of files and buffers, to fingerprint the inputs of a session. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qc/core.h"
#include "qc/i18n.h"

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t fill;
};

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

#define S0(x) (ror(x, 2) ^ ror(x, 13) ^ ror(x, 22))
#define S1(x) (ror(x, 6) ^ ror(x, 11) ^ ror(x, 25))
#define G0(x) (ror(x, 7) ^ ror(x, 18) ^ ((x) >> 3))
#define G1(x) (ror(x, 17) ^ ror(x, 19) ^ ((x) >> 10))
/* One round with the working variables renamed instead of moved: the compiler keeps them in
 * registers, twice as fast as the textbook loop (the inputs of a session are hashed). */
#define ROUND(a, b, c, d, e, f, g, h, i)                                                           \
	do {                                                                                       \
		uint32_t t1 = h + S1(e) + ((e & f) ^ (~e & g)) + K[i] + w[(i)&15];                 \
		d += t1;                                                                           \
		h = t1 + S0(a) + ((a & b) ^ (a & c) ^ (b & c));                                    \
	} while (0)

static void compress(struct sha256 *ctx, const unsigned char *p)
{
	uint32_t w[16];
	uint32_t a = ctx->h[0], b = ctx->h[1], c = ctx->h[2], d = ctx->h[3];
	uint32_t e = ctx->h[4], f = ctx->h[5], g = ctx->h[6], h = ctx->h[7];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 0; i < 64; i += 8) {
		if (i >= 16)
			for (int k = i; k < i + 8; k++)
				w[k & 15] +=
				    G1(w[(k - 2) & 15]) + w[(k - 7) & 15] + G0(w[(k - 15) & 15]);
		ROUND(a, b, c, d, e, f, g, h, i);
		ROUND(h, a, b, c, d, e, f, g, i + 1);
		ROUND(g, h, a, b, c, d, e, f, i + 2);
		ROUND(f, g, h, a, b, c, d, e, i + 3);
		ROUND(e, f, g, h, a, b, c, d, i + 4);
		ROUND(d, e, f, g, h, a, b, c, i + 5);
		ROUND(c, d, e, f, g, h, a, b, i + 6);
		ROUND(b, c, d, e, f, g, h, a, i + 7);
	}
	ctx->h[0] += a;
	ctx->h[1] += b;
	ctx->h[2] += c;
	ctx->h[3] += d;
	ctx->h[4] += e;
	ctx->h[5] += f;
	ctx->h[6] += g;
	ctx->h[7] += h;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>

/*
 * The same compression with the SHA extensions of x86 processors (15 to 20 times faster): the
 * state lives in two registers, (A, B, E, F) and (C, D, G, H), as sha256rnds2 wants it.
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void
compress_ni(uint32_t h[8], const unsigned char *p, size_t blocks)
{
	const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1);
	__m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B);
	__m128i s0 = _mm_alignr_epi8(tmp, s1, 8);
	s1 = _mm_blend_epi16(s1, tmp, 0xF0);
	for (; blocks; blocks--, p += 64) {
		__m128i save0 = s0, save1 = s1, w[4];
		for (int g = 0; g < 16; g++) {
			__m128i *cur = &w[g & 3];
			if (g < 4) {
				*cur = _mm_shuffle_epi8(
				    _mm_loadu_si128((const __m128i *)(p + 16 * g)), mask);
			} else {
				/* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], four at a
				 * time. */
				__m128i t = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
				t = _mm_add_epi32(
				    t, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
				*cur = _mm_sha256msg2_epu32(t, w[(g + 3) & 3]);
			}
			__m128i m =
			    _mm_add_epi32(*cur, _mm_loadu_si128((const __m128i *)&K[4 * g]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, m);
			s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(m, 0x0E));
		}
		s0 = _mm_add_epi32(s0, save0);
		s1 = _mm_add_epi32(s1, save1);
	}
	tmp = _mm_shuffle_epi32(s0, 0x1B);
	s1 = _mm_shuffle_epi32(s1, 0xB1);
	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(tmp, s1, 0xF0));
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(s1, tmp, 8));
}

static bool have_sha_ni(void)
{
	/* Asked by every hashing thread: atomic, and the same answer whoever computes it first. */
	static _Atomic int known = -1;
	unsigned a, b, c, d;
	int k = atomic_load(&known);
	if (k < 0) {
		k = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29)) &&
		    getenv("QC_NO_SHA_NI") == NULL;
		atomic_store(&known, k);
	}
	return k;
}
#else
static bool have_sha_ni(void)
{
	return false;
}

static void compress_ni(uint32_t h[8], const unsigned char *p, size_t blocks)
{
	(void)h;
	(void)p;
	(void)blocks;
}
#endif

static void init(struct sha256 *c)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, h0, sizeof(h0));
	c->bytes = 0;
	c->fill = 0;
}

static void update(struct sha256 *c, const unsigned char *p, size_t n)
{
	c->bytes += n;
	if (c->fill == 0 && n >= 64 && have_sha_ni()) {
		compress_ni(c->h, p, n / 64);
		p += n / 64 * 64;
		n %= 64;
	}
	while (c->fill == 0 && n >= 64) {
		compress(c, p);
		p += 64;
		n -= 64;
	}
	while (n) {
		size_t take = 64 - c->fill < n ? 64 - c->fill : n;
		memcpy(c->block + c->fill, p, take);
		c->fill += take;
		p += take;
		n -= take;
		if (c->fill == 64) {
			compress(c, c->block);
			c->fill = 0;
		}
	}
}

static void finish(struct sha256 *c, char hex[65])
{
	uint64_t bits = c->bytes * 8;
	unsigned char pad = 0x80, zero = 0, len[8];
	update(c, &pad, 1);
	while (c->fill != 56)
		update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	update(c, len, 8);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", c->h[i]);
}

void qc_sha256_hex(const void *data, size_t len, char hex[65])
{
	struct sha256 c;
	init(&c);
	update(&c, data, len);
	finish(&c, hex);
}

enum qc_status qc_sha256_file(const char *path, char hex[65])
{
	unsigned char buf[65536];
	struct sha256 c;
	FILE *f = fopen(path, "rb");
	if (!f)
		return qc_fail(QC_ERR_IO, _("cannot open '%s': %s"), path, qc_errno_text(errno));
	init(&c);
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		update(&c, buf, n);
	int err = ferror(f);
	fclose(f);
	if (err)
		return qc_fail(QC_ERR_IO, _("cannot read '%s'"), path);
	finish(&c, hex);
	return QC_OK;
}
