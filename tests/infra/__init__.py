"""Tests of infra/ (Bicep, azd): they run the tools of the infra venv (.venv-infra) by subprocess."""
