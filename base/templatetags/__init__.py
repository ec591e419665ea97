"""Template filters every page may use; registered as builtins in settings, so no template needs `{% load %}`."""
