/* Life cycle and geometry helpers of struct qc_image. */
#include <stdlib.h>
#include <string.h>

#include "qc/core.h"
#include "qc/image.h"

void qc_image_release(struct qc_image *img)
{
	free(img->px);
	free(img->valid);
	free(img->path);
	memset(img, 0, sizeof(*img));
}

void qc_image_alloc(struct qc_image *img, int width, int height)
{
	memset(img, 0, sizeof(*img));
	img->width = width;
	img->height = height;
	img->frames = 1;
	img->px = qc_xcalloc((size_t)width * (size_t)height, sizeof(float));
	img->geo.scale_iso = 1.0;
	img->geo.rescale_slope = 1.0;
	img->tags.rows = height;
	img->tags.columns = width;
	img->tags.frames = 1;
}

static double iso_scale(const struct qc_image *img)
{
	return img->geo.scale_iso > 0 ? img->geo.scale_iso : 1.0;
}

double qc_image_mm_x(const struct qc_image *img)
{
	return img->geo.pixel_x_mm * iso_scale(img);
}

double qc_image_mm_y(const struct qc_image *img)
{
	return img->geo.pixel_y_mm * iso_scale(img);
}
