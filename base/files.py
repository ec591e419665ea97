"""Serve an uploaded file from a view that has already checked access."""

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header


def protected_file_response(field_file, *, content_type=None, as_attachment=False, filename=None):
    """Return the file behind `field_file`; 404 when it is gone.

    Uploaded files have no public URL. When settings.MEDIA_ACCEL_PREFIX names nginx's internal location for
    MEDIA_ROOT, the response carries only an X-Accel-Redirect header and nginx sends the bytes, so a gunicorn
    worker is not held for the length of a download; otherwise Django streams the file itself.
    """
    if not field_file or not field_file.storage.exists(field_file.name):
        raise Http404
    content_type = content_type or mimetypes.guess_type(filename or field_file.name)[0] or "application/octet-stream"
    prefix = settings.MEDIA_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"/{prefix.strip('/')}/{quote(field_file.name)}"
        disposition = content_disposition_header(as_attachment, filename) if (as_attachment or filename) else None
        if disposition:
            response["Content-Disposition"] = disposition
        return response
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=filename or "")
