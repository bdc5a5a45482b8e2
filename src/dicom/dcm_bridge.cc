// The DCMTK bridge: the only C++ file and the only user of DCMTK (load, read headers, write).
#include <dcmtk/config/osconfig.h>

#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcostrmb.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

extern "C" {
#include "dcm_int.h"
#include "qc/dicom.h"
#include "qc/i18n.h"
}

namespace
{

bool initialised;

// Element values above this size are left on disk by header reads (pixel data, overlays, blobs).
const Uint32 header_max_read = 1024;

// ----------------------------------------------------------------------------------------------
// Small readers over a DcmItem; every one leaves its output alone when the tag is absent or bad.

void get_str(DcmItem *item, const DcmTagKey &key, char *dst, size_t n)
{
	const char *s = NULL;
	dst[0] = '\0';
	if (item && item->findAndGetString(key, s).good() && s) {
		dcm_text_to_utf8(dst, n, s);
		qc_trim(dst);
	}
}

bool get_f64(DcmItem *item, const DcmTagKey &key, double *out, unsigned long pos = 0)
{
	Float64 v = 0;
	if (!item || item->findAndGetFloat64(key, v, pos).bad() || !std::isfinite(v))
		return false;
	*out = v;
	return true;
}

bool get_f64s(DcmItem *item, const DcmTagKey &key, double *out, int n)
{
	double tmp[6];
	for (int i = 0; i < n; i++)
		if (!get_f64(item, key, &tmp[i], (unsigned long)i))
			return false;
	memcpy(out, tmp, (size_t)n * sizeof(double));
	return true;
}

int get_int(DcmItem *item, const DcmTagKey &key)
{
	char s[32];
	long v = 0;
	get_str(item, key, s, sizeof(s));
	return qc_parse_int(s, &v) && v >= INT32_MIN && v <= INT32_MAX ? (int)v : 0;
}

int get_u16(DcmItem *item, const DcmTagKey &key)
{
	Uint16 v = 0;
	return item && item->findAndGetUint16(key, v).good() ? (int)v : 0;
}

bool has_tag(DcmItem *item, const DcmTagKey &key)
{
	return item && item->tagExistsWithValue(key);
}

DcmItem *seq_item(DcmItem *item, const DcmTagKey &seq, long idx = 0)
{
	DcmItem *out = NULL;
	if (!item || item->findAndGetSequenceItem(seq, out, idx).bad())
		return NULL;
	return out;
}

// A functional group macro of an enhanced multi-frame image: the frame's own, else the shared one.
DcmItem *fg_item(DcmItem *ds, const DcmTagKey &macro, long frame = 0)
{
	DcmItem *it = seq_item(seq_item(ds, DCM_PerFrameFunctionalGroupsSequence, frame), macro);
	return it ? it : seq_item(seq_item(ds, DCM_SharedFunctionalGroupsSequence), macro);
}

// A value at the top level, else inside a functional group macro.
bool get_f64_fg(DcmItem *ds, const DcmTagKey &macro, const DcmTagKey &key, double *out)
{
	return get_f64(ds, key, out) || get_f64(fg_item(ds, macro), key, out);
}

// Strict NumberOfFrames: "1A" must not silently become 1. Absent (or 0, which some writers
// put in single-frame files) means one frame.
bool parse_frames(DcmItem *ds, int *frames)
{
	char s[32];
	long v = 0;
	*frames = 1;
	if (!has_tag(ds, DCM_NumberOfFrames))
		return true;
	get_str(ds, DCM_NumberOfFrames, s, sizeof(s));
	if (!qc_parse_int(s, &v) || v < 0 || v > INT32_MAX)
		return false;
	*frames = v ? (int)v : 1;
	return true;
}

// ----------------------------------------------------------------------------------------------
// Tags and geometry

void fill_tags(DcmFileFormat &ff, struct qc_tags *t)
{
	DcmDataset *ds = ff.getDataset();
	DcmXfer xfer(ds->getOriginalXfer());

	memset(t, 0, sizeof(*t));
	get_str(ds, DCM_SOPClassUID, t->sop_class_uid, sizeof(t->sop_class_uid));
	if (!t->sop_class_uid[0])
		get_str(ff.getMetaInfo(), DCM_MediaStorageSOPClassUID, t->sop_class_uid,
			sizeof(t->sop_class_uid));
	get_str(ds, DCM_SOPInstanceUID, t->sop_instance_uid, sizeof(t->sop_instance_uid));
	get_str(ds, DCM_StudyInstanceUID, t->study_uid, sizeof(t->study_uid));
	get_str(ds, DCM_SeriesInstanceUID, t->series_uid, sizeof(t->series_uid));
	if (xfer.getXfer() != EXS_Unknown)
		qc_strlcpy(t->transfer_syntax, xfer.getXferID(), sizeof(t->transfer_syntax));
	get_str(ds, DCM_Modality, t->modality, sizeof(t->modality));
	get_str(ds, DCM_StudyDate, t->study_date, sizeof(t->study_date));
	get_str(ds, DCM_StudyTime, t->study_time, sizeof(t->study_time));
	get_str(ds, DCM_SeriesDate, t->series_date, sizeof(t->series_date));
	get_str(ds, DCM_AcquisitionDate, t->acquisition_date, sizeof(t->acquisition_date));
	get_str(ds, DCM_AcquisitionTime, t->acquisition_time, sizeof(t->acquisition_time));
	get_str(ds, DCM_ContentDate, t->content_date, sizeof(t->content_date));
	get_str(ds, DCM_ContentTime, t->content_time, sizeof(t->content_time));
	get_str(ds, DCM_StudyID, t->study_id, sizeof(t->study_id));
	get_str(ds, DCM_StudyDescription, t->study_description, sizeof(t->study_description));
	get_str(ds, DCM_SeriesDescription, t->series_description, sizeof(t->series_description));
	get_str(ds, DCM_PatientID, t->patient_id, sizeof(t->patient_id));
	get_str(ds, DCM_PatientName, t->patient_name, sizeof(t->patient_name));
	get_str(ds, DCM_Manufacturer, t->manufacturer, sizeof(t->manufacturer));
	get_str(ds, DCM_ManufacturerModelName, t->model, sizeof(t->model));
	get_str(ds, DCM_StationName, t->station, sizeof(t->station));
	get_str(ds, DCM_DeviceSerialNumber, t->device_serial, sizeof(t->device_serial));
	get_str(ds, DCM_RTImageLabel, t->rt_image_label, sizeof(t->rt_image_label));
	get_str(ds, DCM_RTImageDescription, t->rt_image_description,
		sizeof(t->rt_image_description));
	get_str(ds, DCM_PhotometricInterpretation, t->photometric, sizeof(t->photometric));
	t->series_number = get_int(ds, DCM_SeriesNumber);
	t->instance_number = get_int(ds, DCM_InstanceNumber);
	t->rows = get_u16(ds, DCM_Rows);
	t->columns = get_u16(ds, DCM_Columns);
	if (!parse_frames(ds, &t->frames))
		t->frames = 0;
	t->samples_per_pixel =
	    has_tag(ds, DCM_SamplesPerPixel) ? get_u16(ds, DCM_SamplesPerPixel) : 1;
	t->bits_allocated = get_u16(ds, DCM_BitsAllocated);
	t->bits_stored = get_u16(ds, DCM_BitsStored);
	t->pixel_representation = get_u16(ds, DCM_PixelRepresentation);
}

void fill_spacing(DcmItem *ds, struct qc_geometry *g)
{
	static const DcmTagKey keys[] = {DCM_ImagePlanePixelSpacing, DCM_PixelSpacing};
	double sp[2];
	bool ok = false;

	for (const DcmTagKey &k : keys)
		if (!ok)
			ok = get_f64s(ds, k, sp, 2);
	if (!ok)
		ok = get_f64s(fg_item(ds, DCM_PixelMeasuresSequence), DCM_PixelSpacing, sp, 2);
	if (!ok)
		ok = get_f64s(ds, DCM_ImagerPixelSpacing, sp, 2);
	if (ok && sp[0] > 0 && sp[1] > 0) {
		// Both tags give (between rows, between columns).
		g->pixel_y_mm = sp[0];
		g->pixel_x_mm = sp[1];
		g->has_spacing = true;
	}
}

// RT Image angles live at the top level; some systems put them only in the exposure items.
bool get_angle(DcmItem *ds, const DcmTagKey &key, double *out)
{
	return get_f64(ds, key, out) || get_f64(seq_item(ds, DCM_ExposureSequence), key, out);
}

void fill_rt(DcmItem *ds, struct qc_geometry *g)
{
	g->has_sid = get_f64(ds, DCM_RTImageSID, &g->sid_mm) && g->sid_mm > 0;
	g->has_sad = get_f64(ds, DCM_RadiationMachineSAD, &g->sad_mm) && g->sad_mm > 0;
	g->scale_iso = g->has_sid && g->has_sad ? g->sad_mm / g->sid_mm : 1.0;
	g->has_gantry = get_angle(ds, DCM_GantryAngle, &g->gantry_deg);
	g->has_collimator = get_angle(ds, DCM_BeamLimitingDeviceAngle, &g->collimator_deg);
	g->has_couch = get_angle(ds, DCM_PatientSupportAngle, &g->couch_deg);
	g->has_receptor_translation =
	    get_f64s(ds, DCM_XRayImageReceptorTranslation, g->receptor_translation_mm, 3);
}

void fill_cross_section(DcmItem *ds, struct qc_geometry *g)
{
	g->has_position = get_f64s(ds, DCM_ImagePositionPatient, g->image_position, 3) ||
			  get_f64s(fg_item(ds, DCM_PlanePositionSequence), DCM_ImagePositionPatient,
				   g->image_position, 3);
	g->has_orientation = get_f64s(ds, DCM_ImageOrientationPatient, g->image_orientation, 6) ||
			     get_f64s(fg_item(ds, DCM_PlaneOrientationSequence),
				      DCM_ImageOrientationPatient, g->image_orientation, 6);
	g->has_slice_thickness =
	    get_f64_fg(ds, DCM_PixelMeasuresSequence, DCM_SliceThickness, &g->slice_thickness_mm);
	g->has_slice_location = get_f64(ds, DCM_SliceLocation, &g->slice_location);
}

void fill_mr(DcmItem *ds, struct qc_geometry *g)
{
	get_f64_fg(ds, DCM_MRTimingAndRelatedParametersSequence, DCM_RepetitionTime,
		   &g->repetition_time_ms);
	if (!get_f64(ds, DCM_EchoTime, &g->echo_time_ms))
		get_f64(fg_item(ds, DCM_MREchoSequence), DCM_EffectiveEchoTime, &g->echo_time_ms);
	get_f64_fg(ds, DCM_MRImagingModifierSequence, DCM_PixelBandwidth, &g->pixel_bandwidth_hz);
	get_f64_fg(ds, DCM_MRAveragesSequence, DCM_NumberOfAverages, &g->averages);
	get_f64(ds, DCM_MagneticFieldStrength, &g->field_strength_t);
}

// Rescale of one frame: the frame's functional group, the shared one, the top level; RT Dose
// stores its scale as DoseGridScaling instead.
void frame_rescale(DcmItem *ds, long frame, double *slope, double *icpt)
{
	DcmItem *pv = fg_item(ds, DCM_PixelValueTransformationSequence, frame);
	double s = 1, i = 0;

	if (get_f64(pv, DCM_RescaleSlope, &s) || get_f64(ds, DCM_RescaleSlope, &s))
		;
	else if (!get_f64(ds, DCM_DoseGridScaling, &s))
		s = 1;
	if (!get_f64(pv, DCM_RescaleIntercept, &i))
		get_f64(ds, DCM_RescaleIntercept, &i);
	*slope = s != 0 ? s : 1;
	*icpt = i;
}

void fill_geometry(DcmDataset *ds, struct qc_geometry *g)
{
	memset(g, 0, sizeof(*g));
	fill_spacing(ds, g);
	fill_rt(ds, g);
	fill_cross_section(ds, g);
	fill_mr(ds, g);
	frame_rescale(ds, 0, &g->rescale_slope, &g->rescale_intercept);
}

// ----------------------------------------------------------------------------------------------
// Opening files

// verb is "load" (the whole file) or "read" (its header): one whole sentence for each.
const char *by_verb(const char *verb, const char *load, const char *read)
{
	return strcmp(verb, "load") == 0 ? load : read;
}

enum qc_status parse_error(const char *verb, const char *path, const OFCondition &cond)
{
	if (cond == EC_StreamNotifyClient)
		return qc_fail(
		    QC_ERR_FORMAT,
		    by_verb(
			verb,
			_("cannot load '%s': truncated file (the data ends inside an element)"),
			_("cannot read '%s': truncated file (the data ends inside an element)")),
		    path);
	return qc_fail(QC_ERR_FORMAT,
		       by_verb(verb, _("cannot load '%s': malformed DICOM (%s)"),
			       _("cannot read '%s': malformed DICOM (%s)")),
		       path, qc_lower_first(cond.text()));
}

enum qc_status open_file(const char *verb, const char *path, DcmFileFormat &ff, bool header_only)
{
	enum dcm_kind kind;
	enum qc_status st = dcm_sniff_file(path, &kind);
	E_FileReadMode mode;
	OFCondition cond;

	if (st != QC_OK)
		return st;
	if (kind == DCM_KIND_NONE)
		return qc_fail(QC_ERR_FORMAT,
			       by_verb(verb, _("cannot load '%s': not a DICOM file"),
				       _("cannot read '%s': not a DICOM file")),
			       path);
	// Auto-detection rather than ERM_fileOnly: DCMTK refuses the meta header of a file whose
	// transfer syntax it does not know, and we want to say which syntax that is.
	mode = ERM_autoDetect;
	if (header_only) {
		// Stop before any pixel data element: float (7fe0,0008) comes before (7fe0,0010).
		cond = ff.loadFileUntilTag(path, EXS_Unknown, EGL_noChange, header_max_read, mode,
					   DCM_FloatPixelData);
	} else {
		cond = ff.loadFile(path, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, mode);
		// Large values are read lazily; fetch them now so a short file fails here, clearly.
		if (cond.good())
			cond = ff.loadAllDataIntoMemory();
	}
	return cond.good() ? QC_OK : parse_error(verb, path, cond);
}

// ----------------------------------------------------------------------------------------------
// Pixels

bool is_jpeg2000(const char *uid)
{
	static const char *const j2k[] = {
	    "1.2.840.10008.1.2.4.90",  "1.2.840.10008.1.2.4.91",  "1.2.840.10008.1.2.4.92",
	    "1.2.840.10008.1.2.4.93",  "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
	    "1.2.840.10008.1.2.4.203",
	};
	for (const char *u : j2k)
		if (strcmp(uid, u) == 0)
			return true;
	return false;
}

// A transfer syntax newer than this DCMTK (e.g. deflated image frames, 1.2.840.10008.1.2.8.1).
enum qc_status check_known_syntax(const char *path, DcmFileFormat &ff)
{
	char uid[65];
	get_str(ff.getMetaInfo(), DCM_TransferSyntaxUID, uid, sizeof(uid));
	if (!uid[0] || DcmXfer(uid).getXfer() != EXS_Unknown)
		return QC_OK;
	return qc_fail(QC_ERR_UNSUPPORTED,
		       _("cannot decode '%s': transfer syntax %s is not supported by this build "
			 "(DCMTK %s); export the images uncompressed"),
		       path, uid, OFFIS_DCMTK_VERSION_STRING);
}

enum qc_status decompress(const char *path, DcmDataset *ds, int bits_allocated)
{
	DcmXfer xfer(ds->getOriginalXfer());
	OFCondition cond;

	if (!xfer.isEncapsulated())
		return QC_OK;
	if (is_jpeg2000(xfer.getXferID()))
		return qc_fail(
		    QC_ERR_UNSUPPORTED,
		    _("cannot decode '%s': JPEG 2000 compression is not supported by this "
		      "build (DCMTK %s has no JPEG 2000 decoder); export the images "
		      "uncompressed"),
		    path, OFFIS_DCMTK_VERSION_STRING);
	if (!DcmCodecList::canChangeCoding(xfer.getXfer(), EXS_LittleEndianExplicit))
		return qc_fail(
		    QC_ERR_UNSUPPORTED,
		    _("cannot decode '%s': %s compression is not supported by this build; "
		      "export the images uncompressed"),
		    path, xfer.getXferName());
	// DCMTK's decoders handle 8 bits and more; bit-packed segmentations only come uncompressed.
	if (bits_allocated < 8)
		return qc_fail(QC_ERR_UNSUPPORTED,
			       _("cannot decode '%s': %s with %d bit allocated is not supported"),
			       path, xfer.getXferName(), bits_allocated);
	cond = ds->chooseRepresentation(EXS_LittleEndianExplicit, NULL);
	if (cond.bad())
		return qc_fail(QC_ERR_FORMAT, _("cannot decode '%s': the %s decoder failed (%s)"),
			       path, xfer.getXferName(), qc_lower_first(cond.text()));
	return QC_OK;
}

// Photometric interpretations this program can turn into one grey value per pixel.
enum qc_status check_colour(const char *path, DcmDataset *ds, struct dcm_raw *raw)
{
	char pi[17];
	get_str(ds, DCM_PhotometricInterpretation, pi, sizeof(pi));
	raw->planar = get_u16(ds, DCM_PlanarConfiguration) == 1;
	if (raw->samples == 1 && strcmp(pi, "PALETTE COLOR") != 0)
		return QC_OK;
	if (raw->samples == 3 && (strcmp(pi, "RGB") == 0 || strcmp(pi, "YBR_FULL") == 0)) {
		raw->rgb = strcmp(pi, "RGB") == 0;
		return QC_OK;
	}
	return qc_fail(QC_ERR_UNSUPPORTED,
		       _("cannot load '%s': %d samples per pixel with photometric interpretation "
			 "'%s' is not supported (grey or RGB images only)"),
		       path, raw->samples, pi);
}

enum qc_status check_layout(const char *path, const struct dcm_raw *raw)
{
	int ba = raw->bits_allocated;
	if (raw->rows <= 0 || raw->cols <= 0)
		return qc_fail(QC_ERR_FORMAT, _("cannot load '%s': missing or zero Rows/Columns"),
			       path);
	if (raw->samples != 1 && raw->samples != 3)
		return qc_fail(QC_ERR_UNSUPPORTED, _("cannot load '%s': %d samples per pixel"),
			       path, raw->samples);
	if (raw->kind == DCM_SAMPLE_INT && ba == 0)
		return qc_fail(QC_ERR_FORMAT,
			       _("cannot load '%s': BitsAllocated (0028,0100) is missing or zero"),
			       path);
	if (raw->kind == DCM_SAMPLE_INT && ba != 1 && ba != 8 && ba != 16 && ba != 32)
		return qc_fail(QC_ERR_UNSUPPORTED, _("cannot load '%s': %d bits allocated"), path,
			       ba);
	if (raw->kind != DCM_SAMPLE_INT && raw->samples != 1)
		return qc_fail(QC_ERR_UNSUPPORTED, _("cannot load '%s': colour float pixel data"),
			       path);
	if (dcm_raw_needed(raw) == 0)
		return qc_fail(QC_ERR_UNSUPPORTED,
			       _("cannot load '%s': image too large (%dx%d, %d frames)"), path,
			       raw->cols, raw->rows, raw->frames);
	return QC_OK;
}

// Integer pixel data as a little-endian byte stream, decompressed when needed.
enum qc_status int_pixels(const char *path, DcmDataset *ds, struct dcm_raw *raw)
{
	DcmElement *el = NULL;
	Uint8 *bytes = NULL;
	enum qc_status st = decompress(path, ds, raw->bits_allocated);

	if (st != QC_OK)
		return st;
	// Decoders may rewrite the photometric interpretation (YBR to RGB) and planar layout.
	st = check_colour(path, ds, raw);
	if (st != QC_OK)
		return st;
	// DCMTK hands OW data back as little-endian words whatever the file's byte order.
	if (ds->findAndGetElement(DCM_PixelData, el).bad() || el->getUint8Array(bytes).bad() ||
	    !bytes)
		return QC_OK; // reported as truncated: no bytes where bytes are needed
	raw->data = bytes;
	raw->len = el->getLength();
	raw->swap_halves = raw->bits_allocated == 32 && el->getVR() == EVR_OW &&
			   DcmXfer(ds->getOriginalXfer()).isBigEndian();
	return QC_OK;
}

void float_pixels(DcmDataset *ds, struct dcm_raw *raw)
{
	unsigned long count = 0;
	if (raw->kind == DCM_SAMPLE_F32) {
		const Float32 *v = NULL;
		if (ds->findAndGetFloat32Array(DCM_FloatPixelData, v, &count).good() && v) {
			raw->data = reinterpret_cast<const unsigned char *>(v);
			raw->len = count * sizeof(Float32);
		}
	} else {
		const Float64 *v = NULL;
		if (ds->findAndGetFloat64Array(DCM_DoubleFloatPixelData, v, &count).good() && v) {
			raw->data = reinterpret_cast<const unsigned char *>(v);
			raw->len = count * sizeof(Float64);
		}
	}
}

enum qc_status describe(const char *path, DcmDataset *ds, const struct qc_tags *t,
			struct dcm_raw *raw)
{
	memset(raw, 0, sizeof(*raw));
	if (ds->tagExists(DCM_PixelData))
		raw->kind = DCM_SAMPLE_INT;
	else if (ds->tagExists(DCM_FloatPixelData))
		raw->kind = DCM_SAMPLE_F32;
	else if (ds->tagExists(DCM_DoubleFloatPixelData))
		raw->kind = DCM_SAMPLE_F64;
	else
		return qc_fail(QC_ERR_FORMAT, _("cannot load '%s': no pixel data"), path);
	if (t->frames <= 0) {
		char s[32];
		get_str(ds, DCM_NumberOfFrames, s, sizeof(s));
		return qc_fail(
		    QC_ERR_FORMAT,
		    _("cannot load '%s': invalid value '%s' for NumberOfFrames (0028,0008)"), path,
		    s);
	}
	raw->rows = t->rows;
	raw->cols = t->columns;
	raw->frames = t->frames;
	raw->samples = t->samples_per_pixel;
	raw->bits_allocated = raw->kind == DCM_SAMPLE_INT ? t->bits_allocated : 0;
	raw->bits_stored = t->bits_stored;
	raw->high_bit = has_tag(ds, DCM_HighBit) ? get_u16(ds, DCM_HighBit) : t->bits_stored - 1;
	raw->is_signed = t->pixel_representation == 1;
	return check_layout(path, raw);
}

enum qc_status read_pixels(const char *path, DcmDataset *ds, struct qc_image *img)
{
	struct dcm_raw raw;
	enum qc_status st = describe(path, ds, &img->tags, &raw);
	size_t need;

	if (st != QC_OK)
		return st;
	if (raw.kind == DCM_SAMPLE_INT)
		st = int_pixels(path, ds, &raw);
	else
		float_pixels(ds, &raw);
	if (st != QC_OK)
		return st;
	need = dcm_raw_needed(&raw);
	if (!raw.data || raw.len < need)
		return qc_fail(
		    QC_ERR_FORMAT,
		    _("cannot load '%s': truncated pixel data (%zu bytes, %zu expected for "
		      "%dx%d, %d frames)"),
		    path, raw.len, need, raw.cols, raw.rows, raw.frames);
	std::vector<double> slope((size_t)raw.frames), icpt((size_t)raw.frames);
	for (int f = 0; f < raw.frames; f++)
		frame_rescale(ds, f, &slope[(size_t)f], &icpt[(size_t)f]);
	raw.slope = slope.data();
	raw.intercept = icpt.data();
	dcm_decode_pixels(&raw, img);
	return QC_OK;
}

enum qc_status load(const char *path, struct qc_image *img)
{
	DcmFileFormat ff;
	enum qc_status st = open_file("load", path, ff, false);

	if (st != QC_OK)
		return st;
	fill_tags(ff, &img->tags);
	fill_geometry(ff.getDataset(), &img->geo);
	st = check_known_syntax(path, ff);
	if (st == QC_OK)
		st = read_pixels(path, ff.getDataset(), img);
	if (st == QC_OK)
		img->path = qc_xstrdup(path);
	return st;
}

// ----------------------------------------------------------------------------------------------
// Writing

// DS values hold at most 16 characters.
std::string ds_str(double v)
{
	char s[32];
	for (int prec = 10; prec > 1; prec--) {
		snprintf(s, sizeof(s), "%.*g", prec, v);
		if (strlen(s) <= 16)
			break;
	}
	return s;
}

std::string ds_list(const double *v, int n)
{
	std::string out;
	for (int i = 0; i < n; i++)
		out += (i ? "\\" : "") + ds_str(v[i]);
	return out;
}

std::string new_uid(const char *given, const char *root)
{
	char uid[100];
	if (given && given[0])
		return given;
	return dcmGenerateUniqueIdentifier(uid, root);
}

void put(DcmDataset *ds, const DcmTagKey &key, const char *v)
{
	ds->putAndInsertString(key, v ? v : "");
}

void put(DcmDataset *ds, const DcmTagKey &key, const std::string &v)
{
	ds->putAndInsertString(key, v.c_str());
}

void put_identity(DcmDataset *ds, const struct dcm_write_spec *s)
{
	const char *sop = s->rt_image ? UID_RTImageStorage : UID_SecondaryCaptureImageStorage;
	const DcmTagKey dates[] = {DCM_StudyDate, DCM_SeriesDate, DCM_AcquisitionDate,
				   DCM_ContentDate};
	const DcmTagKey times[] = {DCM_StudyTime, DCM_SeriesTime, DCM_AcquisitionTime,
				   DCM_ContentTime};

	put(ds, DCM_SOPClassUID, sop);
	put(ds, DCM_SOPInstanceUID, new_uid(s->sop_uid, SITE_INSTANCE_UID_ROOT));
	put(ds, DCM_StudyInstanceUID, new_uid(s->study_uid, SITE_STUDY_UID_ROOT));
	put(ds, DCM_SeriesInstanceUID, new_uid(s->series_uid, SITE_SERIES_UID_ROOT));
	put(ds, DCM_Modality, s->modality ? s->modality : s->rt_image ? "RTIMAGE" : "OT");
	put(ds, DCM_ConversionType, s->rt_image ? "" : "WSD");
	for (const DcmTagKey &k : dates)
		put(ds, k, s->date);
	for (const DcmTagKey &k : times)
		put(ds, k, s->time);
	put(ds, DCM_Manufacturer, s->manufacturer);
	put(ds, DCM_ManufacturerModelName, s->model);
	put(ds, DCM_StudyID, s->study_id);
	put(ds, DCM_PatientID, s->patient_id);
	put(ds, DCM_PatientName, s->patient_name);
	put(ds, DCM_SeriesDescription, s->series_description);
	put(ds, DCM_SeriesNumber, "1");
	put(ds, DCM_InstanceNumber, std::to_string(s->instance_number));
	put(ds, DCM_PatientOrientation, "");
}

void put_rt(DcmDataset *ds, const struct dcm_write_spec *s)
{
	double sp[2] = {s->pixel_mm, s->pixel_mm};

	if (!s->rt_image) {
		if (s->pixel_mm > 0)
			put(ds, DCM_PixelSpacing, ds_list(sp, 2));
		return;
	}
	put(ds, DCM_RTImageLabel, s->rt_image_label ? s->rt_image_label : "MV");
	put(ds, DCM_RTImagePlane, "NORMAL");
	if (s->pixel_mm > 0)
		put(ds, DCM_ImagePlanePixelSpacing, ds_list(sp, 2));
	if (s->sid_mm > 0)
		put(ds, DCM_RTImageSID, ds_str(s->sid_mm));
	if (s->sad_mm > 0)
		put(ds, DCM_RadiationMachineSAD, ds_str(s->sad_mm));
	put(ds, DCM_GantryAngle, ds_str(s->gantry_deg));
	if (s->has_collimator_couch) {
		put(ds, DCM_BeamLimitingDeviceAngle, ds_str(s->collimator_deg));
		put(ds, DCM_PatientSupportAngle, ds_str(s->couch_deg));
	}
	if (s->has_receptor_translation)
		put(ds, DCM_XRayImageReceptorTranslation, ds_list(s->receptor_translation_mm, 3));
}

void put_pixels(DcmDataset *ds, const struct dcm_write_spec *s)
{
	ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
	put(ds, DCM_PhotometricInterpretation, s->photometric ? s->photometric : "MONOCHROME2");
	ds->putAndInsertUint16(DCM_Rows, (Uint16)s->height);
	ds->putAndInsertUint16(DCM_Columns, (Uint16)s->width);
	ds->putAndInsertUint16(DCM_BitsAllocated, 16);
	ds->putAndInsertUint16(DCM_BitsStored, (Uint16)s->bits_stored);
	ds->putAndInsertUint16(DCM_HighBit, (Uint16)(s->bits_stored - 1));
	ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
	if (s->rescale_slope != 0) {
		put(ds, DCM_RescaleSlope, ds_str(s->rescale_slope));
		put(ds, DCM_RescaleIntercept, ds_str(s->rescale_intercept));
		put(ds, DCM_RescaleType, "US");
	}
	ds->putAndInsertUint16Array(DCM_PixelData, s->px,
				    (unsigned long)s->width * (unsigned long)s->height);
}

enum qc_status check_spec(const char *path, const struct dcm_write_spec *s)
{
	size_t n;
	unsigned limit;

	if (!s || !s->px || s->width <= 0 || s->height <= 0 || s->width > 65535 ||
	    s->height > 65535)
		return qc_fail(QC_ERR_INVALID, "cannot write '%s': no pixels or bad size", path);
	if (s->bits_stored < 1 || s->bits_stored > 16)
		return qc_fail(QC_ERR_INVALID, "cannot write '%s': bits stored %d not in 1..16",
			       path, s->bits_stored);
	if (s->photometric && strcmp(s->photometric, "MONOCHROME1") != 0 &&
	    strcmp(s->photometric, "MONOCHROME2") != 0)
		return qc_fail(QC_ERR_INVALID, "cannot write '%s': photometric '%s' is not grey",
			       path, s->photometric);
	n = (size_t)s->width * (size_t)s->height;
	limit = (1u << s->bits_stored) - 1u;
	for (size_t i = 0; i < n; i++)
		if (s->px[i] > limit)
			return qc_fail(QC_ERR_INVALID,
				       "cannot write '%s': pixel value %u exceeds %d bits stored",
				       path, s->px[i], s->bits_stored);
	return QC_OK;
}

bool ascii_spec(const struct dcm_write_spec *s)
{
	const char *texts[] = {s->modality,	      s->manufacturer,	s->model,
			       s->study_id,	      s->patient_id,	s->patient_name,
			       s->series_description, s->rt_image_label};
	for (const char *t : texts)
		if (!dcm_text_is_ascii(t))
			return false;
	return true;
}

// Encodes through a small buffer that DCMTK fills and we drain, so every write error (a full
// disk) reaches us with its errno instead of vanishing inside DCMTK's file stream.
template <typename Obj, typename WriteFn>
enum qc_status stream_out(Obj &obj, WriteFn write_some, struct dcm_atomic *file)
{
	std::vector<unsigned char> buf(1 << 16);
	DcmOutputBufferStream out(buf.data(), (offile_off_t)buf.size());
	enum qc_status st = QC_OK;
	OFCondition cond;

	obj.transferInit();
	do {
		void *p = NULL;
		offile_off_t n = 0;
		cond = write_some(out);
		out.flushBuffer(p, n);
		if (n > 0)
			st = dcm_atomic_write(file, p, (size_t)n);
	} while (cond == EC_StreamNotifyClient && st == QC_OK);
	obj.transferEnd();
	if (st == QC_OK && cond.bad())
		st = qc_fail(QC_ERR_IO, "cannot write '%s': %s", file->path,
			     qc_lower_first(cond.text()));
	return st;
}

enum qc_status encode(DcmFileFormat &ff, bool no_meta, struct dcm_atomic *file)
{
	if (no_meta) {
		DcmDataset *ds = ff.getDataset();
		return stream_out(
		    *ds,
		    [ds](DcmOutputStream &out) {
			    return ds->write(out, EXS_LittleEndianImplicit, EET_ExplicitLength,
					     NULL, EGL_recalcGL);
		    },
		    file);
	}
	return stream_out(
	    ff,
	    [&ff](DcmOutputStream &out) {
		    return ff.write(out, EXS_LittleEndianExplicit, EET_ExplicitLength, NULL,
				    EGL_recalcGL, EPD_noChange, 0, 0, 0, EWM_createNewMeta);
	    },
	    file);
}

enum qc_status write_file(const char *path, DcmFileFormat &ff, bool no_meta)
{
	struct dcm_atomic file;
	enum qc_status st = dcm_atomic_open(&file, path);

	if (st != QC_OK)
		return st;
	st = encode(ff, no_meta, &file);
	if (st != QC_OK) {
		dcm_atomic_abort(&file);
		return st;
	}
	return dcm_atomic_commit(&file);
}

enum qc_status write_image(const char *path, const struct dcm_write_spec *spec)
{
	DcmFileFormat ff;
	DcmDataset *ds = ff.getDataset();
	enum qc_status st = check_spec(path, spec);

	if (st != QC_OK)
		return st;
	// The C side speaks UTF-8; plain ASCII needs no declaration.
	if (!ascii_spec(spec))
		put(ds, DCM_SpecificCharacterSet, "ISO_IR 192");
	put_identity(ds, spec);
	put_rt(ds, spec);
	put_pixels(ds, spec);
	return write_file(path, ff, spec->no_meta);
}

} // namespace

// ----------------------------------------------------------------------------------------------
// The C interface

// One entry of the DCMTK dictionary, as tools/dictgen writes them.
struct dict_row {
	Uint16 group, element, upper_group, upper_element;
	int evr;
	const char *name;
	int vm_min, vm_max;
	const char *version;
	int group_restriction, element_restriction;
	const char *creator;
};

#include "dict_table.inc"

// The public dictionary (dicom.dic) as DCMTK read it when the program was built: handed over
// entry by entry in about 1.2 ms instead of the 16 ms DCMTK takes to parse the text. DCMTK first
// loads a dictionary file of its own: it is given one that holds a single comment line, made in
// memory (an empty file makes DCMTK 3.6.7 read uninitialised memory). The private dictionary is
// left out, as before: it doubles the start-up time and no analysis reads a private tag.
// False when the in-memory file cannot be made (DCMTK then reads dicom.dic itself).
// It sets DCMDICTPATH for the moment DCMTK reads it: dcm_init must run before other threads read
// the environment (run_analysis calls it before its loading threads; gettext reads LANGUAGE).
static bool load_builtin_dictionary(void)
{
	int fd = memfd_create("unityqc-dictionary", MFD_CLOEXEC);
	if (fd < 0)
		return false;
	if (write(fd, "#\n", 2) != 2) {
		close(fd);
		return false;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	setenv("DCMDICTPATH", path, 1);
	DcmDataDictionary &dict = dcmDataDict.wrlock();
	for (const struct dict_row &r : dict_rows) {
		DcmDictEntry *e = new DcmDictEntry(
		    r.group, r.element, r.upper_group, r.upper_element, DcmVR((DcmEVR)r.evr),
		    r.name, r.vm_min, r.vm_max, r.version, OFFalse, r.creator);
		e->setGroupRangeRestriction((DcmDictRangeRestriction)r.group_restriction);
		e->setElementRangeRestriction((DcmDictRangeRestriction)r.element_restriction);
		dict.addEntry(e);
	}
	dcmDataDict.wrunlock();
	unsetenv("DCMDICTPATH");
	close(fd);
	return true;
}

static enum qc_status init_locked(void)
{
	if (initialised)
		return QC_OK;
	// Anything DCMTK logs would land in the middle of the curses screen.
	OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
	// DCMTK creates its dictionary on first use, from DCMDICTPATH: a user's setting is honoured
	// as is; otherwise the public dictionary is loaded from the table built into the program.
	if (!getenv("DCMDICTPATH") && !load_builtin_dictionary()) {
		OFString path(DCM_DICT_DEFAULT_PATH); // the public dictionary alone
		setenv("DCMDICTPATH", path.substr(0, path.find(':')).c_str(), 0);
	}
	if (!dcmDataDict.isDictionaryLoaded())
		return qc_fail(QC_ERR_IO,
			       _("cannot read DICOM files: the DCMTK data dictionary is not "
				 "loaded (install dcmtk's dicom.dic or set DCMDICTPATH)"));
	// Some writers (gdcmconv) leave known tags as UN: read them with their real VR.
	dcmEnableUnknownVRConversion.set(OFTrue);
	DcmRLEDecoderRegistration::registerCodecs();
	DJDecoderRegistration::registerCodecs();
	DJLSDecoderRegistration::registerCodecs();
	initialised = true;
	return QC_OK;
}

// Called on first use (the dictionary takes 10-20 ms to load: commands and screens that read no
// DICOM file do not pay it), possibly from several loading threads at once.
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

extern "C" enum qc_status dcm_init(void)
{
	pthread_mutex_lock(&init_lock);
	enum qc_status st = init_locked();
	pthread_mutex_unlock(&init_lock);
	return st;
}

extern "C" const char *dcm_dictionary_source(void)
{
	return dict_source;
}

// Compares the built-in table with what DCMTK reads from a dictionary file now (the check that
// the table is the file, entry by entry: tag range, VR, name, VM, restrictions, creator).
extern "C" enum qc_status dcm_dictionary_compare(const char *path, size_t *checked, size_t *differ,
						 char *first, size_t size)
{
	*checked = *differ = 0;
	*first = 0;
	enum qc_status st = dcm_init();
	if (st)
		return st;
	DcmDataDictionary file(OFFalse, OFFalse);
	if (!file.loadDictionary(path, OFTrue) || file.numberOfEntries() <= 0)
		return qc_fail(QC_ERR_IO, _("%s: cannot read this DCMTK dictionary"), path);
	// The iterators are not const in DCMTK; nothing is changed through them.
	DcmDataDictionary &ours = const_cast<DcmDataDictionary &>(dcmDataDict.rdlock());
	auto compare = [&](const DcmDictEntry *e) {
		++*checked;
		const DcmDictEntry *o = NULL;
		if (e->isRepeating()) {
			for (DcmDictEntryListIterator it = ours.repeatingBegin();
			     it != ours.repeatingEnd() && !o; ++it)
				o = (*it)->setEQ(*e) ? *it : NULL;
		} else {
			o = ours.findEntry(e->getKey(), e->getPrivateCreator());
		}
		bool same = o && o->getEVR() == e->getEVR() &&
			    !strcmp(o->getTagName(), e->getTagName()) &&
			    o->getVMMin() == e->getVMMin() && o->getVMMax() == e->getVMMax() &&
			    o->getUpperKey() == e->getUpperKey();
		if (!same && !(*differ)++)
			snprintf(first, size, "(%04x,%04x) %s", e->getGroup(), e->getElement(),
				 e->getTagName() ? e->getTagName() : "?");
	};
	for (DcmHashDictIterator it = file.normalBegin(); it != file.normalEnd(); ++it)
		compare(*it);
	for (DcmDictEntryListIterator it = file.repeatingBegin(); it != file.repeatingEnd(); ++it)
		compare(*it);
	// Nothing more in ours than in the file: same count.
	if (ours.numberOfEntries() != file.numberOfEntries() && !(*differ)++)
		snprintf(first, size, "%d entries built in, %d in the file", ours.numberOfEntries(),
			 file.numberOfEntries());
	dcmDataDict.rdunlock();
	return QC_OK;
}

extern "C" void dcm_cleanup(void)
{
	pthread_mutex_lock(&init_lock);
	if (initialised) {
		DJLSDecoderRegistration::cleanup();
		DJDecoderRegistration::cleanup();
		DcmRLEDecoderRegistration::cleanup();
		initialised = false;
	}
	pthread_mutex_unlock(&init_lock);
}

extern "C" enum qc_status dcm_load(const char *path, struct qc_image *img)
{
	enum qc_status st;

	memset(img, 0, sizeof(*img));
	try {
		st = dcm_init();
		if (st == QC_OK)
			st = load(path, img);
	} catch (const std::bad_alloc &) {
		qc_die("out of memory loading '%s'", path);
	} catch (...) {
		st =
		    qc_fail(QC_ERR_FORMAT, _("cannot load '%s': unexpected decoder failure"), path);
	}
	if (st != QC_OK)
		qc_image_release(img);
	return st;
}

extern "C" enum qc_status dcm_read_header(const char *path, struct qc_tags *tags,
					  struct qc_geometry *geo)
{
	try {
		DcmFileFormat ff;
		enum qc_status st = dcm_init();
		if (st == QC_OK)
			st = open_file("read", path, ff, true);
		if (st != QC_OK)
			return st;
		if (tags)
			fill_tags(ff, tags);
		if (geo)
			fill_geometry(ff.getDataset(), geo);
		return QC_OK;
	} catch (const std::bad_alloc &) {
		qc_die("out of memory reading '%s'", path);
	} catch (...) {
		return qc_fail(QC_ERR_FORMAT, _("cannot read '%s': unexpected parser failure"),
			       path);
	}
}

extern "C" enum qc_status dcm_write(const char *path, const struct dcm_write_spec *spec)
{
	try {
		enum qc_status st = dcm_init();
		return st == QC_OK ? write_image(path, spec) : st;
	} catch (const std::bad_alloc &) {
		qc_die("out of memory writing '%s'", path);
	} catch (...) {
		return qc_fail(QC_ERR_IO, "cannot write '%s': unexpected encoder failure", path);
	}
}
