"""What recruiters get out of screenings: reports, rankings and shortlists."""
