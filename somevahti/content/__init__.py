"""Posts, review, calendar, weekly programme, rota, tips and crisis mode."""
