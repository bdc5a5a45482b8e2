/* Pictures: cropping to the read-out area, windowing, polarity, and overlays placed on cells. */
#include <stdlib.h>

#include "qc/preview.h"
#include "test.h"

/* A 400 x 300 image, rows 0-49 and 250-299 unread, a bright block x 100-199, y 100-199. */
static void make(struct qc_image *img, bool inverted)
{
	qc_image_alloc(img, 400, 300);
	img->valid = qc_xmalloc(400 * 300);
	for (int y = 0; y < 300; y++)
		for (int x = 0; x < 400; x++) {
			bool in = x >= 100 && x < 200 && y >= 100 && y < 200;
			float v = in ? 1000 : 100;
			img->px[y * 400 + x] = inverted ? 2000 - v : v;
			img->valid[y * 400 + x] = y >= 50 && y < 250;
		}
}

TEST(preview_crops_to_readout_and_keeps_polarity)
{
	struct qc_image img;
	struct qc_preview pv;
	for (int inv = 0; inv <= 1; inv++) {
		make(&img, inv);
		prev_make(&img, 0, inv, 200, &pv);
		CHECK(pv.width == 200 && pv.height == 100); /* 400 x 200 read out, halved */
		CHECK_NEAR(pv.step, 2.0, 1e-12);
		/* Image pixel (150, 150) is inside the block: bright whatever the stored polarity.
		 */
		int px = (int)lround((150 - pv.origin_x) / pv.step);
		int py = (int)lround((150 - pv.origin_y) / pv.step);
		CHECK(pv.px[py * pv.width + px] > 200);
		px = (int)lround((300 - pv.origin_x) / pv.step);
		CHECK(pv.px[py * pv.width + px] < 50);
		/* The first preview row maps back to the first read-out row. */
		CHECK_NEAR(pv.origin_y + 0 * pv.step, 50.5, 1e-9);
		prev_release(&pv);
		qc_image_release(&img);
	}
}

TEST(preview_overlays_land_on_their_cells)
{
	struct qc_image img;
	struct qc_preview pv;
	struct prev_grid g;
	make(&img, false);
	prev_make(&img, 0, false, 200, &pv);
	struct qc_overlay ov[] = {
	    {.kind = QC_OV_LINE, .role = QC_OVR_EDGE, .x0 = 100, .y0 = 100, .x1 = 100, .y1 = 199},
	    {.kind = QC_OV_CROSS, .role = QC_OVR_REF, .x0 = 350, .y0 = 150, .r = 10},
	};
	enum qc_verdict v[] = {QC_V_ACT, QC_V_OK};
	for (unsigned flags = 0; flags <= (PREV_ASCII | PREV_MONO); flags++) {
		prev_render(&pv, ov, 2, v, 40, 10, flags, &g);
		REQUIRE(g.cols == 40 && g.rows == 10); /* 2:1 picture in 2:1 cells: 40 x 10 */
		/* x = 100 of 400 read-out columns is a quarter of the way: column 10. */
		int hits = 0;
		for (int y = 0; y < g.rows; y++) {
			const struct prev_cell *c = &g.cells[y * g.cols + 10];
			hits += c->overlay && c->fg == 9; /* red: its measurement is at ACTION */
		}
		CHECKF(hits >= 4, "flags %u: %d red cells on column 10", flags, hits);
		const struct prev_cell *cross = &g.cells[5 * g.cols + 35];
		CHECK(cross->overlay && cross->fg == 13); /* magenta isocentre */
		for (int i = 0; i < g.cols * g.rows && (flags & PREV_ASCII); i++)
			CHECK(g.cells[i].ch < 0x80);
		prev_grid_release(&g);
	}
	prev_release(&pv);
	qc_image_release(&img);
}
