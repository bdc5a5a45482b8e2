// dictgen: writes the DCMTK data dictionary of this machine as a C++ table (build time).
//
// DCMTK parses its text dictionary (dicom.dic, about 5000 lines, with sscanf) the first time a
// DICOM file is read: 16 ms on this machine, the largest fixed cost of every DICOM command. The build reads
// that same file once with DCMTK itself and writes every entry as a row; the program then hands
// the rows to DCMTK directly (src/dicom/dcm_bridge.cc). Usage: dictgen [DICOM.DIC] > table.inc;
// without a file, the first of DCMTK's default dictionaries (the public one, dicom.dic).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/oflog/oflog.h>

#include <cstdio>
#include <cstring>

// A C string literal, escaped; "NULL" for a null pointer.
static void literal(const char *s)
{
	if (!s) {
		fputs("NULL", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			printf("\\%03o", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void row(const DcmDictEntry *e)
{
	printf("\t{0x%04x, 0x%04x, 0x%04x, 0x%04x, %d, ", e->getGroup(), e->getElement(),
	       e->getUpperGroup(), e->getUpperElement(), (int)e->getEVR());
	literal(e->getTagName());
	printf(", %d, %d, ", e->getVMMin(), e->getVMMax());
	literal(e->getStandardVersion());
	printf(", %d, %d, ", (int)e->getGroupRangeRestriction(),
	       (int)e->getElementRangeRestriction());
	literal(e->getPrivateCreator());
	fputs("},\n", stdout);
}

int main(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "usage: dictgen [DICOM.DIC] > table.inc\n");
		return 2;
	}
	OFString path(DCM_DICT_DEFAULT_PATH);
	path = argc == 2 ? OFString(argv[1]) : path.substr(0, path.find(':'));
	OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
	// A dictionary of its own, not the global one (that would load the default files too).
	DcmDataDictionary dict(OFFalse, OFFalse);
	int skeleton = dict.numberOfEntries();
	if (!dict.loadDictionary(path.c_str(), OFTrue) || dict.numberOfEntries() <= skeleton) {
		fprintf(stderr, "dictgen: cannot read the DCMTK dictionary %s\n", path.c_str());
		return 1;
	}
	printf("// Generated at build time by tools/dictgen from %s: do not edit.\n", path.c_str());
	printf("// %d entries (the skeleton entries DCMTK always has are included).\n",
	       dict.numberOfEntries());
	printf("static const char dict_source[] = ");
	literal(path.c_str());
	printf(";\nstatic const struct dict_row dict_rows[] = {\n");
	for (DcmHashDictIterator it = dict.normalBegin(); it != dict.normalEnd(); ++it)
		row(*it);
	for (DcmDictEntryListIterator it = dict.repeatingBegin(); it != dict.repeatingEnd(); ++it)
		row(*it);
	printf("};\n");
	return ferror(stdout) ? 1 : 0;
}
