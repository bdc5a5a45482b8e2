/* Interface language (gettext, French and English) and terminal character set. */
#ifndef QC_I18N_H
#define QC_I18N_H

#include <libintl.h>
#include <stdbool.h>

#define _(s)  gettext(s)
#define N_(s) (s)

/*
 * Sets the locale from the environment (falling back to C.UTF-8 when the named locale is not
 * installed) and the language: lang "fr" or "en", or NULL to follow UNITYQC_LANG, LANGUAGE,
 * LC_ALL, LC_MESSAGES, LANG. Translations are searched in UNITYQC_LOCALEDIR, then the
 * build and install folders.
 */
void qc_i18n_init(const char *lang);
const char *qc_lang(void); /* "fr" or "en" */
bool qc_lang_fr(void);
bool qc_utf8(void); /* the terminal takes UTF-8 */

#endif
