"""Monitoring and the yearly update: progress records, indicator values, spreadsheets."""
