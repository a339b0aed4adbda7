"""The GitHub boundary: the only package that imports PyGithub or PyJWT."""
