"""The Gradio chat UI: streamed, cited answers with a sources panel, filters and uploads.

    from ragqa.ui.server import serve
    serve(settings, host="127.0.0.1", port=7860, auth="user:password")
"""
