"""The web app's pages, one module per area, each an ``APIRouter`` from
:func:`ringback.web.auth.signed_in_router` (so every route needs a signed-in user) that
``create_app`` includes in one line. A page renders with :func:`ringback.web.render.render`.
"""
