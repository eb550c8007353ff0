"""Deploy Child Octopus Deploy Project: the step template's logic, bundled by build_template.py."""
