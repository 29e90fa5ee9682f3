"""Static sites built with MkDocs: the learner's progress site and the public course site."""
