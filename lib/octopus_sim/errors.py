"""Errors the simulated server answers with, in the real body shape `{ErrorMessage, Errors}`."""

VALIDATION_HEADLINE = "There was a problem with your request."


class ApiError(Exception):
    """Raised by a route; the server turns it into a status code and an Octopus error body."""

    def __init__(self, status, message, errors=None, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors or [])
        self.headers = dict(headers or {})

    def body(self):
        body = {"ErrorMessage": self.message}
        if self.errors or self.status in (400, 409):
            body["Errors"] = self.errors
        return body


def not_found(identifier):
    """The real 404 text: "The resource '<id>' was not found."."""
    return ApiError(404, "The resource '%s' was not found." % identifier)


def invalid(*errors):
    """A 400 validation failure with the generic headline and the details in `Errors`."""
    return ApiError(400, VALIDATION_HEADLINE, list(errors))


def bad_request(message, errors=None):
    return ApiError(400, message, errors)
