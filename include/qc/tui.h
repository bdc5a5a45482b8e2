/* The terminal user interface (ncurses): entry point and what it needs from the program. */
#ifndef QC_TUI_H
#define QC_TUI_H

#include "qc/catalog.h"
#include "qc/store.h"

struct tui_config {
	const struct qc_catalog *cat; /* borrowed */
	store_t *store;		      /* borrowed */
	const char *inbox;	      /* folder the DICOM picker starts in */
	const char *reports_dir;      /* default folder of exported PDF reports */
	const char *theme;	      /* theme file, NULL for the built-in theme */
	const char *operator_name;    /* NULL = login name */
};

/* Runs until the user quits; restores the terminal on every exit path. Returns an exit status. */
int tui_main(const struct tui_config *cfg);

#endif
