/* Table columns: minimum and wanted widths, the least useful dropped first on narrow terminals. */
#include <stdio.h>

#include "qc/store.h"
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

void tui_session_cells(struct tui *t, int y, const struct store_row *r, bool sel,
		       const struct tui_column *id, const struct tui_column *when,
		       const struct tui_column *test, const struct tui_column *verdict)
{
	enum tui_slot base = sel ? SLOT_SELECTED : SLOT_NORMAL;
	const struct qc_test *def = cat_find_test(t->cfg->cat, r->test);
	char line[64];
	snprintf(line, sizeof(line), "%lld", (long long)r->id);
	tui_putr(t, y, id->x, id->w, base, line);
	snprintf(line, sizeof(line), "%.*s", when->w, r->completed_at);
	tui_put(t, y, when->x, when->w, base, line, false);
	tui_put(t, y, test->x, test->w, base, def ? cat_test_name(def) : r->test, false);
	tui_put(t, y, verdict->x, verdict->w, sel ? base : tui_verdict_slot(r->verdict),
		tui_verdict_word(r->verdict), false);
}
