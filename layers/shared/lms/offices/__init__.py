"""Offices (branches): every customer belongs to one."""
