"""Deploy Child Octopus Deploy Project.

In Octopus the bundled copy of this package (step_template.json) runs instead of this file. From a
terminal, `python deploy_child_project.py --help` runs the same logic with flags.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from child_deploy.entry import main  # noqa: E402  (the path must be set first)

main(globals())
