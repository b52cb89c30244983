"""Practice over time, for the person whose practice it is and those who help them: a
recording's scores page, a supervisor's calibration with colleagues, and the caseworker's
own page (their conversations' figures, scores per criterion and learning points). Over the
features it draws on: feedback and reflection, scores, insight, sessions."""
