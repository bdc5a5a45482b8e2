/* Help: the keys of the screen below, from the same tables that drive them. */
#include <stdio.h>
#include <string.h>

#include "tui_int.h"

struct help {
	const struct tui_screen_ops *for_ops;
	size_t top;
};

static void open(struct tui *t, struct tui_screen *s, void *arg)
{
	struct help *h = s->priv;
	const struct tui_screen *below = arg;
	(void)t;
	h->for_ops = below ? below->ops : NULL;
}

/* Requests the screen below reacts to: its own bindings, then the common ones. */
static bool relevant(const struct help *h, enum tui_req req)
{
	for (size_t i = 0; h->for_ops && i < h->for_ops->n_keys; i++)
		if (h->for_ops->keys[i].req == req)
			return true;
	switch (req) {
	case REQ_UP:
	case REQ_DOWN:
	case REQ_PAGE_UP:
	case REQ_PAGE_DOWN:
	case REQ_HOME:
	case REQ_END:
	case REQ_ENTER:
	case REQ_BACK:
	case REQ_HELP:
	case REQ_QUIT: return true;
	default: return false;
	}
}

static void draw(struct tui *t, struct tui_screen *s)
{
	struct help *h = s->priv;
	char title[128], keys[64];
	tui_fill(t, 0, 0, t->cols, SLOT_TITLE);
	snprintf(title, sizeof(title), "%s — %s", _("Keys"), h->for_ops ? h->for_ops->name : "");
	tui_put(t, 0, 1, t->cols - 2, SLOT_TITLE, title, false);
	int y = 2;
	for (int r = REQ_UP; r < REQ_COUNT && y < t->rows - 2; r++) {
		if (!relevant(h, (enum tui_req)r))
			continue;
		tui_req_keys(h->for_ops, (enum tui_req)r, keys, sizeof(keys));
		if (!keys[0])
			continue;
		tui_put(t, y, 2, 22, SLOT_KEY, keys, true);
		tui_put(t, y, 25, t->cols - 27, SLOT_NORMAL, tui_req_help((enum tui_req)r), false);
		y++;
	}
	tui_put(t, t->rows - 2, 1, t->cols - 2, SLOT_DIM, _("Esc: back"), false);
}

static int request(struct tui *t, struct tui_screen *s, enum tui_req req)
{
	(void)s;
	if (req == REQ_HELP || req == REQ_ENTER) {
		tui_pop(t);
		return TUI_HANDLED;
	}
	return req == REQ_BACK || req == REQ_QUIT ? TUI_IGNORED : TUI_HANDLED;
}

const struct tui_screen_ops scr_help = {
    .name = "help",
    .private_size = sizeof(struct help),
    .open = open,
    .draw = draw,
    .request = request,
};
