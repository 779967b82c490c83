// The probe worker process; see issue 5.
