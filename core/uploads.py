"""A ceiling on the size of a multipart request, checked before a byte of it is stored.

Django bounds form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams uploaded files to temporary
files whatever their size; the limits of the uploads themselves (a 2 MB roster, 5 MB photos) are
checked only once the file is on disk. The reverse proxy's body limit is the first line of
defence; this handler is the second, for a deployment where gunicorn faces the clients, and it
answers with the same 400 Django gives for an oversized form. Installed first in
FILE_UPLOAD_HANDLERS, so it runs before the handlers that store anything.
"""

from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler

# Far above any upload the application accepts (three 5 MB photos on the inspection form), so
# an oversized photo is still read and refused with the form's own message; far below a size
# that could fill the disk of a web node.
MAX_REQUEST_BYTES = 64 * 1024 * 1024


class RequestCeilingHandler(FileUploadHandler):
    """Refuses a multipart request whose declared length passes MAX_REQUEST_BYTES.

    The declared length is a real bound: Django reads the body through a stream limited to
    CONTENT_LENGTH, so a client cannot send more than it declared.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > MAX_REQUEST_BYTES:
            raise RequestDataTooBig(
                f"Upload of {content_length} bytes exceeds core.uploads.MAX_REQUEST_BYTES."
            )
        return None  # parse as usual, with the handlers that follow

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # passed on to the handler that stores it

    def file_complete(self, file_size):
        return None
