"""Class-facing features built on the exam, verification and rendering: question papers,
per-student variants, grading a class's answers, and export to learning-management systems."""
