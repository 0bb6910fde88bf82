// The workbook runner: lands with the workbook issue.
import Lessons
