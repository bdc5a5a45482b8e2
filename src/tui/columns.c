/* Table columns: minimum and wanted widths, the least useful dropped first on narrow terminals. */
#include "tui_int.h"

void tui_columns(struct tui_column *c, size_t n, int x0, int width)
{
	for (size_t i = 0; i < n; i++)
		c[i].w = c[i].min > 0 ? c[i].min : 1;
	int need;
	for (;;) {
		need = -1; /* one blank between columns */
		for (size_t i = 0; i < n; i++)
			need += c[i].w ? c[i].w + 1 : 0;
		if (need <= width)
			break;
		struct tui_column *first = NULL;
		for (size_t i = 0; i < n; i++)
			if (c[i].w && c[i].drop > 0 && (!first || c[i].drop < first->drop))
				first = &c[i];
		if (!first)
			break; /* nothing more to drop: the last columns are cut at the edge */
		first->w = 0;
	}
	int room = width > need ? width - need : 0;
	for (size_t i = 0; i < n; i++)
		if (c[i].w && !c[i].flex && c[i].want > c[i].w) {
			int add = c[i].want - c[i].w < room ? c[i].want - c[i].w : room;
			c[i].w += add;
			room -= add;
		}
	for (size_t i = 0; i < n && room; i++)
		if (c[i].w && c[i].flex) {
			c[i].w += room;
			room = 0;
		}
	int x = x0;
	for (size_t i = 0; i < n; i++)
		if (c[i].w) {
			c[i].x = x;
			x += c[i].w + 1;
		}
}
