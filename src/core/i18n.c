/* Locale, interface language and message catalogue set-up (gettext). */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "qc/core.h"
#include "qc/i18n.h"

#ifndef QC_LOCALEDIR
#define QC_LOCALEDIR "/usr/local/share/locale"
#endif
#ifndef QC_BUILD_LOCALEDIR
#define QC_BUILD_LOCALEDIR ""
#endif

static char lang[3] = "en";
static bool utf8;

static const char *lang_from_env(void)
{
	static const char *const vars[] = {"UNITYQC_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES",
					   "LANG"};
	for (size_t i = 0; i < QC_ARRAY_LEN(vars); i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return v;
	}
	return "en";
}

static bool has_catalog(const char *dir)
{
	struct stat sb;
	char path[4096];
	if (!dir || !*dir)
		return false;
	snprintf(path, sizeof(path), "%s/fr/LC_MESSAGES/unityqc.mo", dir);
	return stat(path, &sb) == 0;
}

void qc_i18n_init(const char *want)
{
	if (!setlocale(LC_ALL, "")) {
		/* The named locale is not installed: keep UTF-8 if the name asked for it. */
		const char *l = getenv("LC_ALL");
		if (!l || !*l)
			l = getenv("LANG");
		if (l && (strstr(l, "UTF-8") || strstr(l, "utf8")))
			setlocale(LC_ALL, "C.UTF-8");
		else
			setlocale(LC_ALL, "C");
	}
	/* Numbers are written and parsed with a point everywhere (JSON, catalogue, CSV, PDF),
	 * whatever the locale says. */
	setlocale(LC_NUMERIC, "C");
	const char *codeset = nl_langinfo(CODESET);
	utf8 = codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);

	const char *src = want && *want ? want : lang_from_env();
	strcpy(lang, strncmp(src, "fr", 2) == 0 ? "fr" : "en");
	/* LANGUAGE wins over the locale name for gettext, and lets C.UTF-8 speak French. */
	setenv("LANGUAGE", lang, 1);
	if (strcmp(lang, "fr") == 0 && strcmp(setlocale(LC_MESSAGES, NULL), "C") == 0) {
		/* gettext ignores LANGUAGE in the C locale: take the messages through C.UTF-8. */
		setlocale(LC_MESSAGES, "C.UTF-8");
	}

	const char *dir = getenv("UNITYQC_LOCALEDIR");
	if (!has_catalog(dir))
		dir = has_catalog(QC_BUILD_LOCALEDIR) ? QC_BUILD_LOCALEDIR : QC_LOCALEDIR;
	bindtextdomain("unityqc", dir);
	/* Always UTF-8: the TUI transliterates for ASCII terminals itself. */
	bind_textdomain_codeset("unityqc", "UTF-8");
	textdomain("unityqc");
}

const char *qc_lang(void)
{
	return lang;
}

bool qc_lang_fr(void)
{
	return lang[0] == 'f';
}

bool qc_utf8(void)
{
	return utf8;
}
