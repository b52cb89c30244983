"""The periodic, anonymous self-assessment: the caseworkers' own sense of competence over
time (VIVE's "I know how to ensure good child participation in my cases", 62 % -> 92 %)."""
