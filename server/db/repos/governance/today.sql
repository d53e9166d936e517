/* Today's date in Luoyang. */
SELECT luoyang_today() AS today
