from django.http import HttpRequest, HttpResponse


def placeholder(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return HttpResponse("…", status=501)
